// Reading request input: every field is checked for type and size, and a bad field gets a message naming it.
import { invalid } from '../errors.js';

export type Json = Record<string, unknown>;

export function objectBody(body: unknown): Json {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object');
  }
  return body as Json;
}

export function requiredString(input: Json, key: string, max = 4096): string {
  const value = input[key];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`"${key}" is required and must be a string`);
  if (value.length > max) throw invalid(`"${key}" is longer than ${max} characters`);
  return value;
}

export function optionalString(input: Json, key: string, max = 4096): string | undefined {
  if (input[key] === undefined || input[key] === null) return undefined;
  if (typeof input[key] !== 'string') throw invalid(`"${key}" must be a string`);
  const value = input[key] as string;
  if (value.length > max) throw invalid(`"${key}" is longer than ${max} characters`);
  return value;
}

/** Integers from JSON numbers or (for query strings) decimal strings. */
export function optionalInt(input: Json, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = input[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`"${key}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function requiredInt(input: Json, key: string, min: number, max?: number): number {
  const value = optionalInt(input, key, min, max);
  if (value === undefined) throw invalid(`"${key}" is required and must be an integer`);
  return value;
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** A standard base64 string; with `bytes`, it must decode to exactly that many bytes. */
export function base64Field(input: Json, key: string, options: { bytes?: number; maxChars?: number } = {}): string {
  const value = requiredString(input, key, options.maxChars ?? 4096);
  if (!base64Pattern.test(value) || value.length % 4 === 1) throw invalid(`"${key}" must be standard base64`);
  if (options.bytes !== undefined && Buffer.from(value, 'base64').length !== options.bytes) {
    throw invalid(`"${key}" must decode to ${options.bytes} bytes`);
  }
  return value;
}

export function tagsField(input: Json, key = 'tags'): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 64) throw invalid(`"${key}" must be an array of at most 64 strings`);
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > 256) {
      throw invalid(`each of "${key}" must be a non-empty string of at most 256 characters`);
    }
  }
  return value as string[];
}

export function metadataField(input: Json, key = 'metadata'): Record<string, string> | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`"${key}" must be an object of strings`);
  const entries = Object.entries(value as Json);
  if (entries.length > 64) throw invalid(`"${key}" holds at most 64 entries`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length > 256 || v.length > 1024) {
      throw invalid(`"${key}" entries must be strings (keys up to 256, values up to 1024 characters)`);
    }
  }
  return value as Record<string, string>;
}
