// Go's complex128, which templates can produce only from imaginary literals such as 1i or 1+2i. Kept out of the
// shared value model (values.ts) because no function takes or returns complex numbers.

export class GoComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}
