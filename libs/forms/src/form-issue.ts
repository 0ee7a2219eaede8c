/** A problem in a form definition, for IT staff: printed as `file:line: message`. */
export interface FormIssue {
  file: string;
  /** 1-based; 0 when the problem concerns the file or folder as a whole (e.g. it cannot be read) */
  line: number;
  message: string;
}

export function formatIssue(issue: FormIssue): string {
  return issue.line > 0
    ? `${issue.file}:${issue.line}: ${issue.message}`
    : `${issue.file}: ${issue.message}`;
}
