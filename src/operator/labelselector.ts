// Matching a metav1.LabelSelector against a label set (ClusterSecretStore namespace conditions).
import type { LabelSelector } from '../api/generated/types.js';

export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expr.key);
    const value = labels[expr.key];
    switch (expr.operator) {
      case 'In':
        if (!has || !(expr.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && (expr.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(
          `label selector operator "${expr.operator}" is not valid: use In, NotIn, Exists or DoesNotExist`,
        );
    }
  }
  return true;
}
