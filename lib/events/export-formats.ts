/** ndjson and csv as they are; zip is events.csv with events.ndjson (which carries the proof) and a README: a CSV that proves itself. */
export const EXPORT_FORMATS = ["ndjson", "csv", "zip"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
