package webhook_test

import (
	"testing"

	"github.com/elementsgo/elements/webhook"
	"github.com/elementsgo/elements/webhook/webhooktest"
)

func TestMemoryDeduplicatorConformance(t *testing.T) {
	t.Parallel()
	d := webhook.NewMemoryDeduplicator(0)
	d.ClaimTTL = webhooktest.DeduplicatorClaimTTL
	d.Retention = webhooktest.DeduplicatorRetention
	webhooktest.TestDeduplicator(t, func(*testing.T) webhook.Deduplicator { return d.Replica() }, webhooktest.InBubble())
}
