// The one error type the engine throws: a parse or execution error whose message has Go's shape
// ("template: NAME:LINE: ..." or "template: NAME:LINE:COL: executing "NAME" at <...>: ...").

export class TemplateError extends Error {
  override name = 'TemplateError';
}
