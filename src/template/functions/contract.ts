// The contract between the evaluator and the function library (Sprig, ESO's own functions).
// A function declares the Go types of its parameters; the evaluator converts and type-checks the arguments the
// way Go's text/template does (reflect assignability plus untyped-constant conversion) before calling `fn`, and
// reports mismatches with Go's message ("wrong type for value; expected string; got int").

/** Go parameter types a template function can declare. */
export type ParamType =
  | 'any' // interface{}: the value as is (untyped constants take their default type: int, float64, rune, string)
  | 'string'
  | 'int'
  | 'int64'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'bytes' // []byte
  | 'strings' // []string
  | 'slice' // []interface{}
  | 'map' // map[string]interface{}
  | 'time'; // time.Time

export interface TemplateFunction {
  /** Declared parameter types, in order. */
  params: readonly ParamType[];
  /** Element type of a final variadic parameter (`...interface{}` is 'any'), if the function is variadic. */
  variadic?: ParamType;
  /** The implementation; receives converted arguments. Throw TemplateFunctionError for Go's returned error. */
  fn: (...args: never[]) => unknown;
}

/** Thrown by a function to signal the `error` result of a Go function; the engine wraps it Go-style. */
export class TemplateFunctionError extends Error {
  override name = 'TemplateFunctionError';
}

export type FunctionMap = Readonly<Record<string, TemplateFunction>>;
