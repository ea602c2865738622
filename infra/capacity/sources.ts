/**
 * Where an external fact came from, so every number in the capacity registry carries its provenance.
 * @module
 */

/** How sure a fact is. `sourced`: read from the cited material. `estimated`: derived or assumed by
 * this project (the note says how); treat it as a planning figure, not a measurement. */
export type Confidence = "sourced" | "estimated";

/** A fact's provenance. */
export interface Source {
  /** URL, or `owner/repo:path` for a file in a public repository. */
  ref: string;
  /** What the source says, or how an estimate was derived. */
  note: string;
  confidence: Confidence;
}
