package realtime_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
)

func TestEveryCatalogTypeHasATopicDecision(t *testing.T) {
	for typ := range event.Catalog {
		r, ok := realtime.Table[typ]
		if !ok {
			t.Errorf("event type %s has no entry in realtime.Table: decide its topic (or give a Reason to leave it off)", typ)
			continue
		}
		if r.Topic == "" && r.Reason == "" {
			t.Errorf("event type %s is left off the feed without a Reason", typ)
		}
		if r.Topic != "" && !r.Topic.Valid() {
			t.Errorf("event type %s maps to unknown topic %q", typ, r.Topic)
		}
	}
	for typ := range realtime.Table {
		if _, ok := event.Catalog[typ]; !ok {
			t.Errorf("realtime.Table has %s, which is not in the event catalog", typ)
		}
	}
	for _, topic := range realtime.Topics {
		if _, ok := realtime.TopicScopes[topic]; !ok {
			t.Errorf("topic %s has no scope decision in TopicScopes", topic)
		}
	}
}

func TestAllowed(t *testing.T) {
	reader := auth.Principal{TenantID: "ten_1", Scopes: []auth.Scope{auth.ScopeSessionsRead}}
	writer := auth.Principal{TenantID: "ten_1", Scopes: []auth.Scope{auth.ScopeSessionsRead, auth.ScopeSessionsWrite}}
	all := auth.Principal{TenantID: "ten_1", Scopes: []auth.Scope{auth.ScopeAll}}
	for _, tc := range []struct {
		p    auth.Principal
		typ  string
		want bool
	}{
		{reader, event.SessionStatus, true},
		{reader, event.SessionQR, false}, // the QR code needs sessions:write
		{writer, event.SessionQR, true},
		{reader, event.MessageReceived, false},
		{all, event.MessageReceived, true},
		{all, event.APIKeyCreated, false}, // not on the feed
		{all, "no.such-type", false},
		{reader, event.NotificationCreated, true}, // notifications need no scope
	} {
		if got := realtime.Allowed(tc.p, tc.typ); got != tc.want {
			t.Errorf("Allowed(%v, %s) = %v, want %v", tc.p.Scopes, tc.typ, got, tc.want)
		}
	}
}

func TestParseClientFrame(t *testing.T) {
	member := auth.Principal{TenantID: "ten_1", UserID: "usr_1", Scopes: auth.RoleScopes(auth.Member)}
	statusOnly := auth.Principal{TenantID: "ten_1", KeyID: "key_1", Scopes: []auth.Scope{auth.ScopeSessionsRead}}
	for _, tc := range []struct {
		name, raw string
		p         auth.Principal
		code      string // "" = valid
		inMessage string
	}{
		{"subscribe", `{"type":"subscribe","topics":["status","messages"],"ref":"1"}`, member, "", ""},
		{"subscribe with session filter", `{"type":"subscribe","topics":["status"],"sessionId":"ses_1"}`, member, "", ""},
		{"campaign filter", `{"type":"subscribe","topics":["campaigns","messages"],"campaignId":"cmp_1"}`, member, "", ""},
		{"resume", `{"type":"subscribe","topics":["status"],"lastId":"evt_01KBYZ"}`, member, "", ""},
		{"bad lastId", `{"type":"subscribe","topics":["status"],"lastId":"msg_1"}`, member, realtime.CodeInvalidFrame, "lastId"},
		{"unsubscribe", `{"type":"unsubscribe","topics":["status"]}`, member, "", ""},
		{"ping", `{"type":"ping","ts":12345,"ref":"p"}`, member, "", ""},
		{"not json", `hello`, member, realtime.CodeMalformedJSON, ""},
		{"truncated", `{"type":"ping"`, member, realtime.CodeMalformedJSON, ""},
		{"array", `[1,2]`, member, realtime.CodeMalformedJSON, ""},
		{"two objects", `{"type":"ping"}{"type":"ping"}`, member, realtime.CodeMalformedJSON, ""},
		{"too large", `{"type":"ping","ref":"` + strings.Repeat("x", realtime.MaxFrameBytes) + `"}`, member, realtime.CodeFrameTooLarge, "limit is 4096"},
		{"unknown type", `{"type":"publish","topics":["status"]}`, member, realtime.CodeUnknownType, `"publish"`},
		{"missing type", `{"topics":["status"]}`, member, realtime.CodeInvalidFrame, "type is required"},
		{"unknown topic", `{"type":"subscribe","topics":["status","billing","x"]}`, member, realtime.CodeUnknownTopic, `["billing" "x"]`},
		{"no topics", `{"type":"subscribe"}`, member, realtime.CodeInvalidFrame, "topics"},
		{"topics not a list", `{"type":"subscribe","topics":"status"}`, member, realtime.CodeInvalidFrame, "topics must be a list"},
		{"unknown field", `{"type":"ping","extra":1}`, member, realtime.CodeInvalidFrame, `"extra"`},
		{"campaign filter on status", `{"type":"subscribe","topics":["status"],"campaignId":"cmp_1"}`, member, realtime.CodeInvalidFrame, "campaignId"},
		{"session filter on notifications", `{"type":"subscribe","topics":["notifications"],"sessionId":"s"}`, member, realtime.CodeInvalidFrame, "sessionId"},
		{"unsubscribe with filter", `{"type":"unsubscribe","topics":["status"],"sessionId":"s"}`, member, realtime.CodeInvalidFrame, "filter"},
		{"long ref", `{"type":"ping","ref":"` + strings.Repeat("r", 65) + `"}`, member, realtime.CodeInvalidFrame, "ref"},
		{"forbidden topic", `{"type":"subscribe","topics":["status","messages","campaigns"]}`, statusOnly, realtime.CodeForbiddenTopic, "campaigns needs the campaigns:read scope; messages needs the messages:read scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := realtime.ParseClientFrame([]byte(tc.raw), tc.p)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("ParseClientFrame = %v, want valid", err)
				}
				if f.Type == "" {
					t.Fatalf("valid frame decoded without a type: %+v", f)
				}
				return
			}
			fe, ok := err.(*realtime.FrameError)
			if !ok {
				t.Fatalf("ParseClientFrame = %+v, %v; want a *FrameError with code %s", f, err, tc.code)
			}
			if fe.Code != tc.code || !strings.Contains(fe.Message, tc.inMessage) {
				t.Fatalf("error = %s: %s; want code %s with %q in the message", fe.Code, fe.Message, tc.code, tc.inMessage)
			}
		})
	}
}

func envelope(t *testing.T, typ, tenant, session string, data any) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.test", typ, tenant, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), data)
	if err != nil {
		t.Fatal(err)
	}
	e.SessionID = session
	return e
}

func TestItemFrameCarriesTheEventAsPublished(t *testing.T) {
	e := envelope(t, event.MessageReceived, "ten_1", "ses_1", map[string]any{"from": "1@c.us", "body": "<b>&", "campaignId": "cmp_9"})
	it, ok, err := realtime.NewItem(e)
	if err != nil || !ok {
		t.Fatalf("NewItem = %v, %v", ok, err)
	}
	var f struct {
		Type, Topic, Event, ID, SessionID string
		Time                              time.Time
		Data                              json.RawMessage
	}
	if err := json.Unmarshal(it.Frame, &f); err != nil {
		t.Fatal(err)
	}
	if f.Type != "event" || f.Topic != "messages" || f.Event != e.Type || f.ID != e.ID || f.SessionID != "ses_1" || !f.Time.Equal(e.Time) {
		t.Fatalf("frame = %s", it.Frame)
	}
	if string(f.Data) != string(e.Data) || !strings.Contains(string(it.Frame), `"data":`+string(e.Data)) {
		t.Fatalf("frame data = %s, want exactly the published %s", f.Data, e.Data)
	}
	if it.CampaignID != "cmp_9" || it.CoalesceKey != "" {
		t.Fatalf("item = %+v", it)
	}
	if _, ok, _ := realtime.NewItem(envelope(t, event.UserLoggedIn, "ten_1", "", map[string]any{})); ok {
		t.Fatal("user.logged-in must not be on the feed")
	}
	st, _, _ := realtime.NewItem(envelope(t, event.SessionStats, "ten_1", "ses_1", map[string]any{"sent": 1}))
	cp, _, _ := realtime.NewItem(envelope(t, event.CampaignProgress, "ten_1", "ses_1", map[string]any{"campaignId": "cmp_1"}))
	if st.CoalesceKey != "session.stats/ses_1" || cp.CoalesceKey != "campaign.progress/cmp_1" {
		t.Fatalf("coalesce keys = %q, %q", st.CoalesceKey, cp.CoalesceKey)
	}
}

func TestVisible(t *testing.T) {
	p := auth.Principal{TenantID: "ten_1", UserID: "usr_1", Scopes: []auth.Scope{auth.ScopeSessionsRead, auth.ScopeMessagesRead}}
	item := func(typ, tenant, session string, data any) realtime.Item {
		it, ok, err := realtime.NewItem(envelope(t, typ, tenant, session, data))
		if err != nil || !ok {
			t.Fatalf("NewItem(%s) = %v, %v", typ, ok, err)
		}
		return it
	}
	subs := realtime.Subscriptions{}
	subs.Apply(realtime.ClientFrame{Type: realtime.TypeSubscribe, Topics: []realtime.Topic{realtime.TopicStatus, realtime.TopicNotifications}})
	subs.Apply(realtime.ClientFrame{Type: realtime.TypeSubscribe, Topics: []realtime.Topic{realtime.TopicMessages}, SessionID: "ses_1"})
	for _, tc := range []struct {
		name string
		it   realtime.Item
		want bool
	}{
		{"own status", item(event.SessionStatus, "ten_1", "ses_2", map[string]any{}), true},
		{"other tenant", item(event.SessionStatus, "ten_2", "ses_2", map[string]any{}), false},
		{"qr without sessions:write", item(event.SessionQR, "ten_1", "ses_1", map[string]any{}), false},
		{"message of the filtered session", item(event.MessageReceived, "ten_1", "ses_1", map[string]any{}), true},
		{"message of another session", item(event.MessageReceived, "ten_1", "ses_2", map[string]any{}), false},
		{"campaigns not subscribed", item(event.CampaignCompleted, "ten_1", "", map[string]any{}), false},
		{"notification for me", item(event.NotificationCreated, "ten_1", "", map[string]any{"userId": "usr_1"}), true},
		{"notification for everyone", item(event.NotificationCreated, "ten_1", "", map[string]any{"userId": ""}), true},
		{"notification for another user", item(event.NotificationCreated, "ten_1", "", map[string]any{"userId": "usr_2"}), false},
	} {
		if got := realtime.Visible(p, subs, tc.it); got != tc.want {
			t.Errorf("%s: Visible = %v, want %v", tc.name, got, tc.want)
		}
	}
	subs.Apply(realtime.ClientFrame{Type: realtime.TypeUnsubscribe, Topics: []realtime.Topic{realtime.TopicStatus}})
	if realtime.Visible(p, subs, item(event.SessionStatus, "ten_1", "ses_2", map[string]any{})) {
		t.Error("status frame visible after unsubscribe")
	}
}
