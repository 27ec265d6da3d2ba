// The `webhook` provider (any HTTP endpoint with templated requests) and the pieces the Webhook generator shares.
export { requestIgnoresProperty, WebhookSecretsProvider } from './provider.js';
export { WEBHOOK_SECRET_LABEL } from './secrets.js';
