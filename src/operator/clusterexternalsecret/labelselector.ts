// Kubernetes label selectors (metav1.LabelSelector) evaluated against a label map, with the API's semantics:
// matchLabels and every matchExpression must all hold; an empty selector ({}) matches everything. Operators
// In/NotIn need values, Exists/DoesNotExist must have none; anything else is an InvalidSelectorError that says
// what to fix (the same cases metav1.LabelSelectorAsSelector rejects).
import type { LabelSelector } from '../../api/generated/types.js';

export class InvalidSelectorError extends Error {
  override name = 'InvalidSelectorError';
}

type Requirement = (labels: Record<string, string>) => boolean;

/** Compiles a selector into a predicate; throws InvalidSelectorError for a malformed one. */
export function compileSelector(selector: LabelSelector, where = 'selector'): Requirement {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push((labels) => Object.hasOwn(labels, key) && labels[key] === value);
  }
  (selector.matchExpressions ?? []).forEach((expression, i) => {
    const at = `${where}.matchExpressions[${i}]`;
    const { key, operator } = expression;
    const values = expression.values ?? [];
    if (!key) throw new InvalidSelectorError(`${at}.key is required`);
    switch (operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) throw new InvalidSelectorError(`${at}: operator ${operator} needs at least one value`);
        const set = new Set(values);
        requirements.push(
          operator === 'In'
            ? (labels) => Object.hasOwn(labels, key) && set.has(labels[key] as string)
            : (labels) => !Object.hasOwn(labels, key) || !set.has(labels[key] as string),
        );
        break;
      }
      case 'Exists':
      case 'DoesNotExist': {
        if (values.length > 0) throw new InvalidSelectorError(`${at}: operator ${operator} must not have values`);
        const present = (labels: Record<string, string>) => Object.hasOwn(labels, key);
        requirements.push(operator === 'Exists' ? present : (labels) => !present(labels));
        break;
      }
      default:
        throw new InvalidSelectorError(
          `${at}: "${String(operator)}" is not a valid operator; use In, NotIn, Exists or DoesNotExist`,
        );
    }
  });
  return (labels) => requirements.every((requirement) => requirement(labels));
}

export function matchesSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return compileSelector(selector)(labels ?? {});
}
