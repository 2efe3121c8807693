// Why a report is refused: it is not the format it looked like, or it is cut inside a record.
// The message names the expected format and the first offending location.
import { ValidationError } from "@ctem/model";

export class ReportShapeError extends ValidationError {
  constructor(format: string, location: string, reason: string) {
    super(`not a complete ${format}: ${reason} at ${location}`, { format, location });
    this.name = "ReportShapeError";
  }
}
