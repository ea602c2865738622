"""The /metrics page of a vLLM server, rendered by the real prometheus_client (the one vLLM 0.33.0
installs) with vLLM's own metric names, label names and bucket bounds, for the dashboard's tests.

A stand-in for the numbers only (no model runs): every scrape first applies the traffic set with
POST /traffic (per-scrape counter increments and histogram observations), as a server under a
steady load would show between two scrapes. Sources, vLLM 0.33.0 (site-packages/vllm):
- names and documentation: v1/metrics/loggers.py: vllm:num_requests_running 528,
  vllm:num_requests_waiting 538, vllm:kv_cache_usage_perc 620, vllm:prefix_cache_queries 662,
  vllm:prefix_cache_hits 673, vllm:prompt_tokens 748, vllm:generation_tokens 799,
  vllm:time_to_first_token_seconds 931, vllm:inter_token_latency_seconds 941,
  vllm:e2e_request_latency_seconds 961; speculative decoding: v1/spec_decode/metrics.py:229-231;
- label names ["model_name", "engine"], values [served name, "0"]: loggers.py:499-504;
- buckets: v1/metrics/buckets.py REQUEST_LATENCY_BUCKETS 30, TIME_TO_FIRST_TOKEN_BUCKETS 57,
  INTER_TOKEN_LATENCY_BUCKETS 84 (read from that file, not copied).
Usage: python vllm_metrics_page.py MODEL_NAME [--spec-decode]; prints the port, serves until killed.
"""
import importlib.util
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# vLLM's bucket module on its own (importing the vllm package would load torch).
_spec = importlib.util.spec_from_file_location("vllm_buckets", Path(prometheus_client.__file__).parent.parent / "vllm" / "v1" / "metrics" / "buckets.py")
buckets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(buckets)

model = sys.argv[1]
spec_decode = "--spec-decode" in sys.argv
registry = CollectorRegistry()
labels = ["model_name", "engine"]
values = [model, "0"]


def gauge(name, doc):
    return Gauge(name, doc, labels, registry=registry).labels(*values)


def counter(name, doc):
    return Counter(name, doc, labels, registry=registry).labels(*values)


def histogram(name, doc, bounds):
    return Histogram(name, doc, labels, buckets=bounds, registry=registry).labels(*values)


gauges = {
    "running": gauge("vllm:num_requests_running", "Number of requests in model execution batches."),
    "waiting": gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed."),
    "kvCacheUsage": gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage."),
}
counters = {
    "prefixQueries": counter("vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens."),
    "prefixHits": counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens."),
    "promptTokens": counter("vllm:prompt_tokens", "Number of prefill tokens processed."),
    "generationTokens": counter("vllm:generation_tokens", "Number of generation tokens processed."),
}
if spec_decode:
    counters.update(
        {
            "drafts": counter("vllm:spec_decode_num_drafts", "Number of spec decoding drafts."),
            "draftTokens": counter("vllm:spec_decode_num_draft_tokens", "Number of draft tokens."),
            "acceptedTokens": counter("vllm:spec_decode_num_accepted_tokens", "Number of accepted tokens."),
        }
    )
histograms = {
    "ttft": histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", buckets.TIME_TO_FIRST_TOKEN_BUCKETS),
    "itl": histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", buckets.INTER_TOKEN_LATENCY_BUCKETS),
    "e2e": histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", buckets.REQUEST_LATENCY_BUCKETS),
}
traffic = {"gauges": {}, "add": {}, "observe": {}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        for k, v in traffic["gauges"].items():
            gauges[k].set(v)
        for k, v in traffic["add"].items():
            if k in counters:
                counters[k].inc(v)
        for k, observations in traffic["observe"].items():
            for v in observations:
                histograms[k].observe(v)
        body = generate_latest(registry)
        self.send_response(200)
        self.send_header("Content-Type", prometheus_client.CONTENT_TYPE_LATEST)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        global traffic
        traffic = {"gauges": {}, "add": {}, "observe": {}, **json.loads(self.rfile.read(int(self.headers["Content-Length"])))}
        self.send_response(204)
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
