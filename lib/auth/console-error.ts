/** An expected refusal of a console action, with a message for the person (and optionally per field). */
export class ConsoleError extends Error {
  constructor(
    readonly code: "forbidden" | "invalid" | "not_found" | "conflict" | "rate_limited",
    message: string,
    readonly fieldErrors?: Record<string, string>,
  ) {
    super(message);
  }
}
