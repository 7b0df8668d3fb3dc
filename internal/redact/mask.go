package redact

// PlatformMask is what the platform answers in place of a secret it holds
// (a configuration's OAuth secrets and signing key): the client refuses to
// send it back (elements.MaskedValue, elements.ErrMaskedValue) and the
// webhook handler refuses it as a signing key, since anyone can sign with
// this public string.
const PlatformMask = "********"
