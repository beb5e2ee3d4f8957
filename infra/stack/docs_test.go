package stack_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// deploymentDoc is the page whose generated sections TestDeploymentDoc keeps equal to the template.
var deploymentDoc = filepath.Join("..", "..", "docs", "deployment.md")

// TestDeploymentDoc: the resource list, the outputs, the environment and the IAM summary of docs/deployment.md are
// generated from the default stack's template; the test fails when the page differs, and rewrites it with
// WAQTOR_UPDATE_DOCS=1 (`WAQTOR_UPDATE_DOCS=1 go test -run TestDeploymentDoc ./infra/stack/`).
func TestDeploymentDoc(t *testing.T) {
	tmpl := defaultTemplate(t)
	raw, err := os.ReadFile(deploymentDoc)
	if err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, tmpl)
	sections := map[string]string{
		"resources":   r.resources(),
		"outputs":     r.outputs(),
		"environment": r.environment(),
		"iam":         r.iam(),
	}
	updated := string(raw)
	for _, name := range []string{"resources", "outputs", "environment", "iam"} {
		re := regexp.MustCompile(`(?s)(<!-- BEGIN GENERATED ` + name + ` [^>]*-->\n).*?(<!-- END GENERATED ` + name + ` -->)`)
		loc := re.FindStringSubmatchIndex(updated)
		if loc == nil {
			t.Errorf("docs/deployment.md has no generated section %q (<!-- BEGIN GENERATED %s ... --> ... <!-- END GENERATED %s -->)", name, name, name)
			continue
		}
		updated = updated[:loc[3]] + sections[name] + updated[loc[4]:]
	}
	if updated == string(raw) {
		return
	}
	if os.Getenv("WAQTOR_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(deploymentDoc, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote the generated sections of docs/deployment.md")
		return
	}
	t.Errorf("docs/deployment.md differs from the template; run WAQTOR_UPDATE_DOCS=1 go test -run TestDeploymentDoc ./infra/stack/ and review the diff")
	old, got := strings.Split(string(raw), "\n"), strings.Split(updated, "\n")
	for i := 0; i < len(old) && i < len(got); i++ {
		if old[i] != got[i] {
			t.Logf("first difference at line %d:\n doc:  %s\n want: %s", i+1, old[i], got[i])
			break
		}
	}
}

// renderer turns template values into the names a reader knows.
type renderer struct {
	t     *testing.T
	tmpl  map[string]any
	res   map[string]any
	names map[string]string // logical ID -> physical name, or else the logical ID without its hash
}

// logicalHash is the hash CDK appends to a logical ID.
var logicalHash = regexp.MustCompile(`[0-9A-F]{8}$`)

// nameKeys are the properties that hold a resource's physical name.
var nameKeys = []string{"TableName", "QueueName", "FunctionName", "TopicName", "AlarmName", "LogGroupName",
	"DBInstanceIdentifier", "ClusterName", "ServiceName", "Family", "DashboardName", "GroupName", "VpcName"}

func newRenderer(t *testing.T, tmpl assertions.Template) *renderer {
	r := &renderer{t: t, tmpl: plain(t, tmpl.ToJSON()), names: map[string]string{}}
	r.res, _ = r.tmpl["Resources"].(map[string]any)
	for id, v := range r.res {
		p := props(v.(map[string]any))
		for _, k := range append(slices.Clone(nameKeys), "Name") {
			if s, ok := p[k].(string); ok {
				r.names[id] = s
				break
			}
		}
		if _, ok := r.names[id]; !ok {
			// No physical name: the logical ID without CDK's hash, which reads like the code ("Media").
			r.names[id] = logicalHash.ReplaceAllString(id, "")
		}
	}
	return r
}

func (r *renderer) typ(id string) string {
	m, _ := r.res[id].(map[string]any)
	s, _ := m["Type"].(string)
	return s
}

// name is how a resource reads in the page: its physical name, else its type and logical ID.
func (r *renderer) name(id string) string {
	if n, ok := r.names[id]; ok {
		return n
	}
	if strings.HasPrefix(id, "AWS::") {
		return "${" + id + "}"
	}
	return id
}

// value renders a template value: literals as they are, references by name.
func (r *renderer) value(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case map[string]any:
		if id, ok := v["Ref"].(string); ok {
			return r.name(id)
		}
		if ga := list(v["Fn::GetAtt"]); len(ga) == 2 {
			if ga[1] == "Arn" {
				return r.name(ga[0].(string))
			}
			return r.name(ga[0].(string)) + "." + fmt.Sprint(ga[1])
		}
		if j := list(v["Fn::Join"]); len(j) == 2 {
			var parts []string
			for _, p := range list(j[1]) {
				parts = append(parts, r.value(p))
			}
			return strings.Join(parts, fmt.Sprint(j[0]))
		}
		if s, ok := v["Fn::Sub"].(string); ok {
			return s
		}
	}
	return fmtJSON(v)
}

func (r *renderer) resources() string {
	byType := map[string][]string{}
	for id := range r.res {
		byType[r.typ(id)] = append(byType[r.typ(id)], id)
	}
	var types []string
	for typ := range byType {
		types = append(types, typ)
	}
	sort.Strings(types)
	var b strings.Builder
	b.WriteString("| CloudFormation type | count | names |\n|---|---|---|\n")
	for _, typ := range types {
		var names []string
		for _, id := range byType[typ] {
			if n, ok := r.names[id]; ok {
				names = append(names, "`"+n+"`")
			}
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "| `%s` | %d | %s |\n", typ, len(byType[typ]), strings.Join(names, ", "))
	}
	return b.String()
}

func (r *renderer) outputs() string {
	outs, _ := r.tmpl["Outputs"].(map[string]any)
	var keys []string
	for k := range outs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("| output | value | description |\n|---|---|---|\n")
	for _, k := range keys {
		o := outs[k].(map[string]any)
		desc, _ := o["Description"].(string)
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k, r.envValue(o["Value"]), desc)
	}
	return b.String()
}

// envValue renders an environment value; the test origins read as the setting they come from.
func (r *renderer) envValue(v any) string {
	s := r.value(v)
	if s == strings.Join(testOrigins, ",") {
		return "the dashboard origins (`waqtor:dashboardOrigin`, comma-separated)"
	}
	if strings.HasPrefix(s, "{") {
		return "(" + strings.TrimPrefix(strings.TrimPrefix(s, `{"`), "Ref") + ")"
	}
	return "`" + s + "`"
}

func (r *renderer) environment() string {
	vars := map[string]map[string]bool{} // variable -> who
	values := map[string]string{}
	var who []string
	for id, v := range r.res {
		p := props(v.(map[string]any))
		switch r.typ(id) {
		case "AWS::Lambda::Function":
			env, _ := p["Environment"].(map[string]any)
			vs, _ := env["Variables"].(map[string]any)
			if len(vs) == 0 {
				continue // CDK's custom resource provider
			}
			for k, val := range vs {
				if vars[k] == nil {
					vars[k] = map[string]bool{}
				}
				vars[k][r.name(id)] = true
				values[k] = r.envValue(val)
			}
			who = append(who, r.name(id))
		case "AWS::ECS::TaskDefinition":
			for _, c := range list(p["ContainerDefinitions"]) {
				for _, e := range list(c.(map[string]any)["Environment"]) {
					e := e.(map[string]any)
					k := e["Name"].(string)
					if vars[k] == nil {
						vars[k] = map[string]bool{}
					}
					vars[k]["session host"] = true
					values[k] = r.envValue(e["Value"])
				}
				// ECS secrets: ECS reads them when the task starts and sets them as variables.
				for _, e := range list(c.(map[string]any)["Secrets"]) {
					e := e.(map[string]any)
					k := e["Name"].(string)
					if vars[k] == nil {
						vars[k] = map[string]bool{}
					}
					vars[k]["session host"] = true
					values[k] = r.secretValue(e["ValueFrom"])
				}
			}
		}
	}
	sort.Strings(who)
	who = append(who, "session host")
	var keys []string
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("| variable | value | " + strings.Join(who, " | ") + " |\n|---|---|" + strings.Repeat("---|", len(who)) + "\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| `%s` | %s |", k, values[k])
		for _, w := range who {
			mark := ""
			if vars[k][w] {
				mark = "✓"
			}
			b.WriteString(" " + mark + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// secretValue renders an ECS secret's ValueFrom: a field of a Secrets Manager secret (<arn>:<field>::).
func (r *renderer) secretValue(v any) string {
	s := r.value(v)
	if name, field, ok := strings.Cut(strings.TrimSuffix(s, "::"), ":"); ok && !strings.Contains(field, ":") {
		return "ECS secret: field `" + field + "` of `" + name + "`"
	}
	return "ECS secret: `" + s + "`"
}

// roleOwners names each role by what assumes it: the function, the host task, the execution role, or the role's
// logical ID.
func (r *renderer) roleOwners() map[string]string {
	owners := map[string]string{}
	for id, v := range r.res {
		p := props(v.(map[string]any))
		switch r.typ(id) {
		case "AWS::Lambda::Function":
			if ga := list(p["Role"].(map[string]any)["Fn::GetAtt"]); len(ga) == 2 {
				owners[ga[0].(string)] = "function `" + r.name(id) + "`"
			}
		case "AWS::ECS::TaskDefinition":
			if m, ok := p["TaskRoleArn"].(map[string]any); ok {
				owners[list(m["Fn::GetAtt"])[0].(string)] = "session host task"
			}
			if m, ok := p["ExecutionRoleArn"].(map[string]any); ok {
				owners[list(m["Fn::GetAtt"])[0].(string)] = "session host execution role (ECS)"
			}
		case "AWS::EC2::FlowLog":
			if m, ok := p["DeliverLogsPermissionArn"].(map[string]any); ok {
				owners[list(m["Fn::GetAtt"])[0].(string)] = "VPC flow logs"
			}
		}
	}
	return owners
}

func (r *renderer) iam() string {
	owners := r.roleOwners()
	lines := map[string][]string{}
	for id, v := range r.res {
		p := props(v.(map[string]any))
		switch r.typ(id) {
		case "AWS::IAM::Policy":
			doc, _ := p["PolicyDocument"].(map[string]any)
			for _, role := range list(p["Roles"]) {
				roleID := role.(map[string]any)["Ref"].(string)
				owner := owners[roleID]
				if owner == "" {
					owner = "role " + roleID
				}
				for _, st := range list(doc["Statement"]) {
					st := st.(map[string]any)
					var actions, resources []string
					for _, a := range list(st["Action"]) {
						actions = append(actions, "`"+fmt.Sprint(a)+"`")
					}
					for _, res := range list(st["Resource"]) {
						resources = append(resources, "`"+r.value(res)+"`")
					}
					sort.Strings(actions)
					lines[owner] = append(lines[owner], fmt.Sprintf("%s %s on %s", st["Effect"], strings.Join(actions, ", "), strings.Join(resources, ", ")))
				}
			}
		case "AWS::IAM::Role":
			if p["ManagedPolicyArns"] != nil || p["Policies"] != nil {
				owner := "role " + id
				if strings.HasPrefix(id, "CustomVpcRestrictDefaultSG") {
					owner = "CDK's provider that empties the default security group"
				}
				lines[owner] = append(lines[owner], "managed policy AWSLambdaBasicExecutionRole and an inline policy on the default security group")
			}
		}
	}
	var owners2 []string
	for o := range lines {
		owners2 = append(owners2, o)
	}
	sort.Strings(owners2)
	var b strings.Builder
	b.WriteString("| role | may |\n|---|---|\n")
	for _, o := range owners2 {
		sort.Strings(lines[o])
		fmt.Fprintf(&b, "| %s | %s |\n", o, strings.Join(lines[o], "<br>"))
	}
	return b.String()
}
