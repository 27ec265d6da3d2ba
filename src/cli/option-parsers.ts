// Commander argument parsers shared by the commands: each refuses bad input with a message naming the flag.
import { InvalidArgumentError } from 'commander';
import { DNS1123_LABEL } from '../api/schema/dsl.js';

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number >= 1`);
    return n;
  };
}

/** A number >= 0, decimals allowed (a rate). */
export function nonNegativeNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidArgumentError(`${flag} must be a number >= 0 (e.g. 5 or 0.5)`);
    }
    return n;
  };
}

/** An RFC 1123 label (a namespace name), at most maxLength characters. */
export function dnsLabel(flag: string, maxLength = 63) {
  const pattern = new RegExp(DNS1123_LABEL);
  return (value: string): string => {
    if (value.length > maxLength || !pattern.test(value)) {
      throw new InvalidArgumentError(
        `${flag} must be lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters`,
      );
    }
    return value;
  };
}
