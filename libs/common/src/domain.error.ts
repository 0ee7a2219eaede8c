/** Base class for typed domain errors; libraries throw these, apps map codes once at the edge. */
export class DomainError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
