/** Types for parse-prometheus-text-format 1.1.1 (shapes from its README and dist source). */
declare module "parse-prometheus-text-format" {
  /** One sample: `value` for gauges/counters/untyped, `buckets`/`quantiles` with count/sum otherwise. */
  interface PrometheusSample {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** One metric family. */
  interface PrometheusFamily {
    name: string;
    help: string;
    type: "GAUGE" | "COUNTER" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: PrometheusSample[];
  }
  /** Parses Prometheus text exposition format. @throws on malformed input. */
  function parsePrometheusTextFormat(text: string): PrometheusFamily[];
  export = parsePrometheusTextFormat;
}
