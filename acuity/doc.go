// Package acuity holds what is specific to the Acuity Scheduling element of
// the Cloud Elements / SAP Open Connectors platform, so that Acuity code can
// be written in Acuity terms:
//
//   - the element's identity ([ElementKey], [ElementID]) and the webhook URL
//     to paste into Acuity for an instance ([WebhookURL]);
//   - Acuity's own webhook: [ParseWebhook] for its form-encoded body,
//     [VerifySignature] for its X-Acuity-Signature header, and the mapping of
//     its actions to the platform's standardized events ([PlatformEvent]).
//
// Facts marked "inferred" in the documentation of this package (the webhook
// URL pattern and the action mapping) are not stated outright by the
// platform's documentation; each lives in exactly one place so it is easy to
// change.
package acuity
