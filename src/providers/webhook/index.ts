// The `webhook` provider (any HTTP endpoint with templated requests) and the pieces the Webhook generator shares.
export { WEBHOOK_SECRET_LABEL, WebhookSecretsProvider } from './provider.js';
