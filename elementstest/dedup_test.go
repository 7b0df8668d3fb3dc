package elementstest_test

import (
	"testing"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/elementstest"
)

func TestMemoryDeduplicatorConformance(t *testing.T) {
	t.Parallel()
	d := elements.NewMemoryDeduplicator(0)
	d.ClaimTTL = elementstest.DeduplicatorClaimTTL
	d.Retention = elementstest.DeduplicatorRetention
	elementstest.TestDeduplicator(t, func(*testing.T) elements.Deduplicator { return d.Replica() })
}
