package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/config"
)

func TestDefaultsAreValidAndMatchTheDocs(t *testing.T) {
	c := config.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.Addr != ":8080" || c.Data != "./pama-data" || c.TeamIdle != 2*time.Minute || c.SMTP.Port != 587 ||
		c.AttachmentMaxMB != 25 || c.TeamStorageMB != 1024 || c.S3.Bucket != "pama" || c.S3.Endpoint != "" {
		t.Errorf("defaults = %+v", c)
	}
	if got := c.PublicURL(); got != "http://localhost:8080" {
		t.Errorf("PublicURL() = %q", got)
	}
}

func TestValidateNamesEverySettingThatIsWrong(t *testing.T) {
	tests := []struct {
		name   string
		change func(*config.Config)
		want   []string
	}{
		{"bad addr", func(c *config.Config) { c.Addr = "8080" }, []string{"--addr"}},
		{"bad base url", func(c *config.Config) { c.BaseURL = "ftp://x" }, []string{"--base-url"}},
		{"not postgres", func(c *config.Config) { c.DatabaseURL = "mysql://x" }, []string{"--database-url"}},
		{"smtp without from", func(c *config.Config) { c.SMTP.Host = "mail"; c.SMTP.From = "" }, []string{"--smtp-from"}},
		{"two at once", func(c *config.Config) { c.TeamIdle = 0; c.SessionTTL = 0 }, []string{"--team-idle", "--session-ttl"}},
		{"operator not an email", func(c *config.Config) { c.Operators = []string{"root"} }, []string{"--operators"}},
		{"s3 without keys", func(c *config.Config) { c.S3.Endpoint = "minio:9000" }, []string{"--s3-access-key"}},
		{"s3 endpoint with a scheme", func(c *config.Config) {
			c.S3 = config.S3{Endpoint: "https://minio:9000", AccessKey: "a", SecretKey: "b", Bucket: "pama"}
		}, []string{"--s3-endpoint"}},
		{"s3 bad bucket", func(c *config.Config) {
			c.S3 = config.S3{Endpoint: "minio:9000", AccessKey: "a", SecretKey: "b", Bucket: "Pama_Files"}
		}, []string{"--s3-bucket"}},
		{"s3 keys without endpoint", func(c *config.Config) { c.S3.SecretKey = "b" }, []string{"--s3-endpoint"}},
		{"no attachment size", func(c *config.Config) { c.AttachmentMaxMB = 0 }, []string{"--attachment-max-mb"}},
		{"negative quota", func(c *config.Config) { c.TeamStorageMB = -1 }, []string{"--team-storage-mb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			tt.change(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

func TestExternalProvidersAreChecked(t *testing.T) {
	tests := []struct {
		json string
		ok   bool
	}{
		{``, true},
		{`[{"id":"corp","name":"Corp","issuer":"https://sso.example.com","client_id":"pama"}]`, true},
		{`[{"id":"Corp","name":"Corp","issuer":"https://sso.example.com","client_id":"pama"}]`, false},
		{`[{"id":"corp","name":"Corp","issuer":"ftp://sso.example.com","client_id":"pama"}]`, false},
		{`[{"id":"corp","name":"Corp","issuer":"https://sso.example.com"}]`, false},
		{`[{"id":"a","name":"A","issuer":"https://a.example","client_id":"x"},{"id":"a","name":"B","issuer":"https://b.example","client_id":"y"}]`, false},
		{`[{"id":"corp","name":"Corp","issuer":"https://sso.example.com","client_id":"pama","secret":"typo"}]`, false},
		{`{"id":"corp"}`, false},
	}
	for _, tc := range tests {
		c := config.Defaults()
		c.OIDCProviders = tc.json
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.json, err, tc.ok)
		}
	}
}
