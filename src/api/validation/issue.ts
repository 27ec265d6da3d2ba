// The result type of offline validation.

export interface ValidationIssue {
  /** Field path as the API server prints it, e.g. `spec.data[0].secretKey`. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}
