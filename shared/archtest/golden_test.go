package archtest

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/event"
)

// unpublished: the catalog's event types that no code publishes yet, so they have no payload to pin. Each names
// its constant; TestEveryEventTypeHasAGoldenPayload fails when the constant is used outside the packages that
// only list types (event, webhook's name table, routing), so the first producer brings its golden file.
var unpublished = map[string]struct{ constant, why string }{
	event.CampaignProgress:    {"CampaignProgress", "campaigns are not built yet"},
	event.CampaignCompleted:   {"CampaignCompleted", "campaigns are not built yet"},
	event.CampaignPaused:      {"CampaignPaused", "campaigns are not built yet"},
	event.CampaignFailed:      {"CampaignFailed", "campaigns are not built yet"},
	event.SmartbotReply:       {"SmartbotReply", "SmartBot is not built yet"},
	event.SmartbotRuleUpdated: {"SmartbotRuleUpdated", "SmartBot is not built yet"},
}

// listsTypesOnly are the packages that name event types without publishing them (the catalog, webhook names,
// routes, the live feed's topics); test harnesses (eventtest) publish made-up events and are skipped too.
var listsTypesOnly = []string{"shared/event", "shared/webhook", "shared/routing", "shared/realtime"}

// TestEveryEventTypeHasAGoldenPayload: every event type of the catalog that something publishes has at least one
// golden file (a testdata/golden/*.json holding an envelope of that type, written by its producer's golden test),
// so a payload change shows up in review.
func TestEveryEventTypeHasAGoldenPayload(t *testing.T) {
	root := filepath.Join("..", "..")
	golden := map[string][]string{} // type -> files
	var sources []string
	classOf := entries()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "cdk.out") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case !d.IsDir() && filepath.Base(filepath.Dir(path)) == "golden" && strings.HasSuffix(path, ".json") &&
			filepath.Base(filepath.Dir(filepath.Dir(path))) == "testdata":
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var env struct{ Type string }
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Errorf("%s: %v", rel, err)
				return nil
			}
			golden[env.Type] = append(golden[env.Type], rel)
		case !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") &&
			!strings.Contains(rel, "/testdata/") && !slices.Contains(listsTypesOnly, filepath.ToSlash(filepath.Dir(rel))) &&
			classOf[filepath.ToSlash(filepath.Dir(rel))].class != harness:
			sources = append(sources, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for typ := range event.Catalog {
		u, isUnpublished := unpublished[typ]
		switch {
		case isUnpublished && len(golden[typ]) > 0:
			t.Errorf("%s has golden files %q but is listed as unpublished (%s); remove it from unpublished in shared/archtest/golden_test.go", typ, golden[typ], u.why)
		case !isUnpublished && len(golden[typ]) == 0:
			t.Errorf("event type %s has no golden payload: add a golden test to its producer that writes testdata/golden/<type>.json (see shared/tenant/golden_test.go)", typ)
		}
	}
	for typ, u := range unpublished {
		if _, ok := event.Catalog[typ]; !ok {
			t.Errorf("unpublished lists %s, which is not in the catalog", typ)
		}
		for _, src := range sources {
			raw, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), "event."+u.constant) {
				t.Errorf("%s uses event.%s: %s is published now; give it a golden payload and remove it from unpublished", src, u.constant, typ)
			}
		}
	}
	for typ, files := range golden {
		if _, ok := event.Catalog[typ]; !ok {
			t.Errorf("golden files %q hold type %q, which is not in the event catalog", files, typ)
		}
	}
}
