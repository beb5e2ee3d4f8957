package awshost

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// TestDeviceStore: the device store's DSN from the WAQTOR_DEVICE_DB_* variables (as ECS passes the database's
// secret) is the one from the secret itself (WAQTOR_DEVICE_DB_SECRET, read from Secrets Manager), TLS required,
// and the variables' way reads no secret; with neither, the devices are in SQLite in the data directory.
func TestDeviceStore(t *testing.T) {
	ctx := context.Background()
	const password = "p@ss:w/rd%20"
	sm := awstest.NewSecretsManager(t)
	arn := sm.Put("waqtor-devices", `{"username":"waqtor","password":"`+password+`","engine":"postgres",`+
		`"host":"waqtor-devices.abc.eu-west-1.rds.amazonaws.com","port":5433,"dbname":"waqtor","dbInstanceIdentifier":"waqtor-devices"}`)
	rt := &awsfunction.Runtime{AWS: aws.Config{Region: awstest.Region, BaseEndpoint: aws.String(sm.URL),
		Credentials: credentials.NewStaticCredentialsProvider(awstest.AccessKey, awstest.SecretKey, "")}}
	load := func(env map[string]string) config.Config {
		t.Helper()
		env["WAQTOR_TABLE"], env["WAQTOR_EVENT_BUS"], env["WAQTOR_DATA_DIR"] = "t", "b", "/data"
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}

	dialect, fromVars, err := deviceStore(ctx, rt, load(map[string]string{
		"WAQTOR_DEVICE_DB_HOST": "waqtor-devices.abc.eu-west-1.rds.amazonaws.com", "WAQTOR_DEVICE_DB_PORT": "5433",
		"WAQTOR_DEVICE_DB_NAME": "waqtor", "WAQTOR_DEVICE_DB_USER": "waqtor", "WAQTOR_DEVICE_DB_PASSWORD": password}))
	if err != nil || dialect != whatsapp.PostgresDialect {
		t.Fatalf("from the variables: %q, %v; want %q", dialect, err, whatsapp.PostgresDialect)
	}
	if reads := sm.Reads(); len(reads) != 0 {
		t.Errorf("the variables' way read secrets %v, want none", reads)
	}
	dialect, fromSecret, err := deviceStore(ctx, rt, load(map[string]string{"WAQTOR_DEVICE_DB_SECRET": arn}))
	if err != nil || dialect != whatsapp.PostgresDialect {
		t.Fatalf("from the secret: %q, %v; want %q", dialect, err, whatsapp.PostgresDialect)
	}
	if reads := sm.Reads(); len(reads) != 1 || reads[0] != arn {
		t.Errorf("the secret's way read %v, want [%s]", reads, arn)
	}
	if fromVars != fromSecret {
		t.Errorf("DSN from the variables %q, from the secret %q; want the same", fromVars, fromSecret)
	}
	pc, err := pgx.ParseConfig(fromVars)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Host != "waqtor-devices.abc.eu-west-1.rds.amazonaws.com" || pc.Port != 5433 || pc.Database != "waqtor" ||
		pc.User != "waqtor" || pc.Password != password || pc.TLSConfig == nil || len(pc.Fallbacks) != 0 {
		t.Errorf("DSN parsed as %s@%s:%d/%s (password kept %v), TLS %v with %d fallbacks; want TLS required",
			pc.User, pc.Host, pc.Port, pc.Database, pc.Password == password, pc.TLSConfig != nil, len(pc.Fallbacks))
	}

	dialect, dsn, err := deviceStore(ctx, rt, load(map[string]string{}))
	if err != nil || dialect != "sqlite" || dsn != filepath.Join("/data", "whatsapp.db") {
		t.Errorf("with neither: %q %q, %v; want sqlite in the data directory", dialect, dsn, err)
	}
	if _, _, err := deviceStore(ctx, rt, load(map[string]string{"WAQTOR_DEVICE_DB_SECRET": strings.Replace(arn, "devices", "nothing", 1)})); err == nil {
		t.Error("a secret that does not exist: no error")
	}
}
