// Package config is Pama's one typed configuration. Values come, in rising
// order of precedence, from the defaults here, an optional JSON file
// (--config), PAMA_* environment variables and command-line flags; the cli
// package does the reading, Validate says clearly what is wrong.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is everything `pama serve` can be told.
type Config struct {
	Addr    string `name:"addr" env:"PAMA_ADDR" default:":8080" help:"Address to listen on." group:"Server"`
	Data    string `name:"data" env:"PAMA_DATA" default:"./pama-data" help:"Data directory: SQLite files, outbox, uploads." group:"Server"`
	BaseURL string `name:"base-url" env:"PAMA_BASE_URL" help:"Public URL of this install, for links in mail (default http://localhost<addr>). https:// makes cookies Secure." group:"Server"`

	LogLevel  string `name:"log-level" env:"PAMA_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level: debug, info, warn, error." group:"Server"`
	LogFormat string `name:"log-format" env:"PAMA_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text or json." group:"Server"`

	DatabaseURL string        `name:"database-url" env:"PAMA_DATABASE_URL" help:"PostgreSQL URL (postgres://...). Empty: SQLite files in the data directory." group:"Storage"`
	TeamIdle    time.Duration `name:"team-idle" env:"PAMA_TEAM_IDLE" default:"2m" help:"Close a team space's SQLite file after this long unused." group:"Storage"`

	RedisURL        string `name:"redis-url" env:"PAMA_REDIS_URL" help:"Redis URL (redis://host:port/db) for real-time fan-out, history, presence and locks across several nodes. Empty: in this process only." group:"Scale-out"`
	S3              S3     `embed:"" prefix:"s3-" envprefix:"PAMA_S3_" group:"Files"`
	AttachmentMaxMB int    `name:"attachment-max-mb" env:"PAMA_ATTACHMENT_MAX_MB" default:"25" help:"Largest attachment, in MiB." group:"Files"`
	TeamStorageMB   int    `name:"team-storage-mb" env:"PAMA_TEAM_STORAGE_MB" default:"1024" help:"Attachment storage each team space may use, in MiB; 0 for no limit." group:"Files"`

	SMTP SMTP `embed:"" prefix:"smtp-" envprefix:"PAMA_SMTP_" group:"Mail"`

	SessionTTL time.Duration `name:"session-ttl" env:"PAMA_SESSION_TTL" default:"720h" help:"A browser session ends after this long unused." group:"Security"`
	Operators  []string      `name:"operators" env:"PAMA_OPERATORS" help:"Email addresses that get the operator role when they sign in." group:"Security"`

	OIDCProviders   string        `name:"oidc-providers" env:"PAMA_OIDC_PROVIDERS" help:"External OpenID Connect providers members may sign in with, as a JSON array: [{\"id\":\"corp\",\"name\":\"Corp SSO\",\"issuer\":\"https://sso.example.com\",\"client_id\":\"...\",\"client_secret\":\"...\",\"scopes\":[\"openid\",\"email\",\"profile\"]}]." group:"Pama ID"`
	OIDCKeySecret   string        `name:"oidc-key-secret" env:"PAMA_OIDC_KEY_SECRET" help:"Secret that encrypts the stored token signing keys. Empty: a generated secret kept in the database." group:"Pama ID"`
	OIDCKeyRotation time.Duration `name:"oidc-key-rotation" env:"PAMA_OIDC_KEY_ROTATION" default:"2160h" help:"Make a new token signing key when the current one is this old (0 turns automatic rotation off)." group:"Pama ID"`

	AccountRate float64 `name:"rate-account" env:"PAMA_RATE_ACCOUNT" default:"50" help:"Requests a second allowed per account (bursts of 4x)." group:"Limits"`
	TeamRate    float64 `name:"rate-team" env:"PAMA_RATE_TEAM" default:"200" help:"Requests a second allowed per team space (bursts of 3x)." group:"Limits"`
	IPRate      float64 `name:"rate-ip" env:"PAMA_RATE_IP" default:"10" help:"Requests a second allowed per address without sign-in (bursts of 4x)." group:"Limits"`

	BaseDomain    string `name:"base-domain" env:"PAMA_BASE_DOMAIN" help:"Serve each team space at <address>.<base domain> (point a wildcard DNS record at Pama). Empty: one domain, spaces at /t/<address>." group:"Routing"`
	TLS           string `name:"tls" env:"PAMA_TLS" default:"off" enum:"off,acme" help:"off, or acme: serve HTTPS on --addr with certificates from an ACME CA (Let's Encrypt by default), issued on demand for known hosts only." group:"Routing"`
	HTTPAddr      string `name:"http-addr" env:"PAMA_HTTP_ADDR" default:":80" help:"With --tls acme: the plain HTTP listener that answers ACME HTTP-01 challenges and domain verification, and redirects everything else to HTTPS." group:"Routing"`
	ACMEDirectory string `name:"acme-directory" env:"PAMA_ACME_DIRECTORY" default:"https://acme-v02.api.letsencrypt.org/directory" help:"The ACME CA's directory URL." group:"Routing"`
	ACMEEmail     string `name:"acme-email" env:"PAMA_ACME_EMAIL" help:"Contact address given to the ACME CA (expiry notices)." group:"Routing"`
	ACMECAFile    string `name:"acme-ca-file" env:"PAMA_ACME_CA_FILE" help:"PEM file of extra roots to trust when talking to the ACME CA (a private CA)." group:"Routing"`

	CaptchaBits         int           `name:"captcha-bits" env:"PAMA_CAPTCHA_BITS" default:"18" help:"Proof-of-work difficulty of the wizard's captcha for a quiet client, in bits (8 to 26); it rises for busy addresses." group:"Onboarding"`
	WizardStartsPerHour int           `name:"wizard-starts-per-hour" env:"PAMA_WIZARD_STARTS_PER_HOUR" default:"10" help:"Wizards one client address may start per hour." group:"Onboarding"`
	WizardSpacesPerDay  int           `name:"wizard-spaces-per-day" env:"PAMA_WIZARD_SPACES_PER_DAY" default:"3" help:"Team spaces one account may create with the wizard per day." group:"Onboarding"`
	QuotaMembers        int64         `name:"quota-members" env:"PAMA_QUOTA_MEMBERS" default:"0" help:"Default most members of a team space (0: no limit beyond the built-in 1000); operators override it per space." group:"Operations"`
	QuotaItems          int64         `name:"quota-items" env:"PAMA_QUOTA_ITEMS" default:"0" help:"Default most backlog items of a team space (0: no limit)." group:"Operations"`
	DeleteGrace         time.Duration `name:"delete-grace" env:"PAMA_DELETE_GRACE" default:"168h" help:"How long a deleted team space can be restored before it is erased for good." group:"Operations"`
	HealthEvery         time.Duration `name:"health-every" env:"PAMA_HEALTH_EVERY" default:"15m" help:"How often each team space gets a deep health check (0 turns the checker off)." group:"Operations"`
	HealthRate          float64       `name:"health-rate" env:"PAMA_HEALTH_RATE" default:"5" help:"Most deep health checks a second." group:"Operations"`
	HealthAlert         int           `name:"health-alert-after" env:"PAMA_HEALTH_ALERT_AFTER" default:"3" help:"Failed health checks in a row that put a space in alert." group:"Operations"`
	JobWorkers          int           `name:"job-workers" env:"PAMA_JOB_WORKERS" default:"1" help:"Mass operations run at once on this node (1 or 2; 0 runs none here)." group:"Operations"`
	JobPace             time.Duration `name:"job-pace" env:"PAMA_JOB_PACE" default:"0s" help:"Pause between the spaces of a mass operation, to bound its load." group:"Operations"`
	ExportDir           string        `name:"export-dir" env:"PAMA_EXPORT_DIR" help:"Where export jobs write archives (default <data>/exports)." group:"Operations"`

	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"PAMA_SHUTDOWN_TIMEOUT" default:"15s" help:"How long to let in-flight requests finish on shutdown." group:"Server"`
}

// S3 points file storage (attachments, avatars) at an S3-compatible server.
// With no endpoint, files are kept under <data>/files.
type S3 struct {
	Endpoint  string `name:"endpoint" env:"ENDPOINT" help:"S3 server as host:port (MinIO, versitygw, SeaweedFS, AWS). Empty: files under <data>/files."`
	AccessKey string `name:"access-key" env:"ACCESS_KEY" help:"S3 access key."`
	SecretKey string `name:"secret-key" env:"SECRET_KEY" help:"S3 secret key."`
	Bucket    string `name:"bucket" env:"BUCKET" default:"pama" help:"S3 bucket; created if it does not exist."`
	Region    string `name:"region" env:"REGION" default:"us-east-1" help:"S3 region."`
	TLS       bool   `name:"tls" env:"TLS" help:"Reach the S3 server over HTTPS."`
}

// SMTP configures outgoing mail. With no host, mail is written to the log and
// to outbox/ in the data directory instead.
type SMTP struct {
	Host     string `name:"host" env:"HOST" help:"SMTP server host. Empty: write mail to the log and <data>/outbox/."`
	Port     int    `name:"port" env:"PORT" default:"587" help:"SMTP server port."`
	Username string `name:"username" env:"USERNAME" help:"SMTP user name."`
	Password string `name:"password" env:"PASSWORD" help:"SMTP password."`
	From     string `name:"from" env:"FROM" default:"Pama <pama@localhost>" help:"Sender address."`
	TLS      string `name:"tls" env:"TLS" default:"starttls" enum:"starttls,tls,none" help:"starttls (required), tls (implicit, port 465) or none."`
}

// Validate reports every problem with c at once, each naming its setting.
func (c *Config) Validate() error {
	var errs []error
	bad := func(setting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", setting, fmt.Sprintf(format, args...)))
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("--addr / PAMA_ADDR", "%q is not host:port (for example :8080 or 127.0.0.1:8080)", c.Addr)
	}
	if strings.TrimSpace(c.Data) == "" && c.DatabaseURL == "" {
		bad("--data / PAMA_DATA", "must name a directory")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--base-url / PAMA_BASE_URL", "%q is not an http:// or https:// URL", c.BaseURL)
		}
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("--database-url / PAMA_DATABASE_URL", "must be a postgres:// URL")
		}
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("--redis-url / PAMA_REDIS_URL", "must be a redis:// or rediss:// URL with a host (for example redis://127.0.0.1:6379/0)")
		}
	}
	if c.TeamIdle < time.Second {
		bad("--team-idle / PAMA_TEAM_IDLE", "must be at least 1s")
	}
	if c.SessionTTL < time.Minute {
		bad("--session-ttl / PAMA_SESSION_TTL", "must be at least 1m")
	}
	if c.SMTP.Host != "" {
		if c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
			bad("--smtp-port / PAMA_SMTP_PORT", "%d is not a port", c.SMTP.Port)
		}
		if c.SMTP.From == "" {
			bad("--smtp-from / PAMA_SMTP_FROM", "must be set when an SMTP host is")
		}
	}
	if c.S3.Endpoint != "" {
		if strings.Contains(c.S3.Endpoint, "://") || strings.Contains(c.S3.Endpoint, "/") {
			bad("--s3-endpoint / PAMA_S3_ENDPOINT", "%q must be host:port, without a scheme or path (use --s3-tls for HTTPS)", c.S3.Endpoint)
		}
		if c.S3.AccessKey == "" || c.S3.SecretKey == "" {
			bad("--s3-access-key / PAMA_S3_ACCESS_KEY", "and --s3-secret-key / PAMA_S3_SECRET_KEY must be set when an S3 endpoint is")
		}
		if !bucketName(c.S3.Bucket) {
			bad("--s3-bucket / PAMA_S3_BUCKET", "%q is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)", c.S3.Bucket)
		}
	} else if c.S3.AccessKey != "" || c.S3.SecretKey != "" {
		bad("--s3-endpoint / PAMA_S3_ENDPOINT", "must be set when S3 keys are")
	}
	if c.AttachmentMaxMB < 1 || c.AttachmentMaxMB > 10240 {
		bad("--attachment-max-mb / PAMA_ATTACHMENT_MAX_MB", "must be 1 to 10240")
	}
	if c.TeamStorageMB < 0 {
		bad("--team-storage-mb / PAMA_TEAM_STORAGE_MB", "must be 0 (no limit) or more")
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"--rate-account", c.AccountRate}, {"--rate-team", c.TeamRate}, {"--rate-ip", c.IPRate}} {
		if r.v <= 0 {
			bad(r.name, "must be above 0")
		}
	}
	for _, e := range c.Operators {
		if !strings.Contains(e, "@") {
			bad("--operators / PAMA_OPERATORS", "%q is not an email address", e)
		}
	}
	if _, err := c.ExternalProviders(); err != nil {
		bad("--oidc-providers / PAMA_OIDC_PROVIDERS", "%v", err)
	}
	if c.BaseDomain != "" && !domainName.MatchString(strings.ToLower(c.BaseDomain)) {
		bad("--base-domain / PAMA_BASE_DOMAIN", "%q is not a domain name like pama.example.com", c.BaseDomain)
	}
	switch c.TLS {
	case "", "off":
	case "acme":
		if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || port == "" {
			bad("--http-addr / PAMA_HTTP_ADDR", "%q is not host:port (for example :80)", c.HTTPAddr)
		}
		if u, err := url.Parse(c.ACMEDirectory); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("--acme-directory / PAMA_ACME_DIRECTORY", "%q is not an https:// URL", c.ACMEDirectory)
		}
		if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "https://") {
			bad("--base-url / PAMA_BASE_URL", "must be https:// when --tls is acme")
		}
	default:
		bad("--tls / PAMA_TLS", "must be off or acme")
	}
	if c.CaptchaBits < 8 || c.CaptchaBits > 26 {
		bad("--captcha-bits / PAMA_CAPTCHA_BITS", "must be from 8 to 26")
	}
	if c.WizardStartsPerHour < 1 {
		bad("--wizard-starts-per-hour / PAMA_WIZARD_STARTS_PER_HOUR", "must be at least 1")
	}
	if c.WizardSpacesPerDay < 1 {
		bad("--wizard-spaces-per-day / PAMA_WIZARD_SPACES_PER_DAY", "must be at least 1")
	}
	for _, q := range []struct {
		name string
		v    int64
	}{{"--quota-members", c.QuotaMembers}, {"--quota-items", c.QuotaItems}} {
		if q.v < 0 {
			bad(q.name, "must be 0 (no limit) or more")
		}
	}
	if c.DeleteGrace < 0 {
		bad("--delete-grace / PAMA_DELETE_GRACE", "must not be negative")
	}
	if c.HealthEvery != 0 && c.HealthEvery < time.Minute {
		bad("--health-every / PAMA_HEALTH_EVERY", "must be 0 (off) or at least 1m")
	}
	if c.HealthRate <= 0 {
		bad("--health-rate / PAMA_HEALTH_RATE", "must be above 0")
	}
	if c.JobWorkers < 0 || c.JobWorkers > 2 {
		bad("--job-workers / PAMA_JOB_WORKERS", "must be 0, 1 or 2")
	}
	if c.OIDCKeyRotation != 0 && c.OIDCKeyRotation < 24*time.Hour {
		bad("--oidc-key-rotation / PAMA_OIDC_KEY_ROTATION", "must be 0 (off) or at least 24h")
	}
	return errors.Join(errs...)
}

// bucketName reports whether b is a valid S3 bucket name.
func bucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 || strings.Trim(b, ".-") != b {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// OIDCProvider is an external OpenID Connect provider members may sign in with.
type OIDCProvider struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
}

// ExternalProviders parses OIDCProviders. Each provider needs an id (lower
// case letters, digits, hyphens), a name, an http(s) issuer and a client id.
func (c *Config) ExternalProviders() ([]OIDCProvider, error) {
	if strings.TrimSpace(c.OIDCProviders) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(c.OIDCProviders))
	dec.DisallowUnknownFields()
	var ps []OIDCProvider
	if err := dec.Decode(&ps); err != nil {
		return nil, fmt.Errorf("not a JSON array of providers: %w", err)
	}
	seen := map[string]bool{}
	for i, p := range ps {
		if !providerID.MatchString(p.ID) || seen[p.ID] {
			return nil, fmt.Errorf("provider %d: id %q must be unique, 1 to 32 lower-case letters, digits or hyphens", i, p.ID)
		}
		seen[p.ID] = true
		u, err := url.Parse(p.Issuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("provider %q: issuer %q is not an https:// URL", p.ID, p.Issuer)
		}
		if strings.TrimSpace(p.Name) == "" || p.ClientID == "" {
			return nil, fmt.Errorf("provider %q: name and client_id are required", p.ID)
		}
	}
	return ps, nil
}

var providerID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

var domainName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// PublicURL returns BaseURL, or the local address when it is not set.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host, port, _ := net.SplitHostPort(c.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Defaults returns a Config holding the `default` tag of every field, the
// same values the command line starts from.
func Defaults() Config {
	var c Config
	setDefaults(reflect.ValueOf(&c).Elem())
	return c
}

func setDefaults(v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			setDefaults(fv)
			continue
		}
		def, ok := f.Tag.Lookup("default")
		if !ok {
			continue
		}
		switch fv.Interface().(type) {
		case string:
			fv.SetString(def)
		case time.Duration:
			d, err := time.ParseDuration(def)
			if err != nil {
				panic(fmt.Sprintf("config: bad default %q for %s", def, f.Name))
			}
			fv.SetInt(int64(d))
		case int, int64:
			n, err := strconv.Atoi(def)
			if err != nil {
				panic(fmt.Sprintf("config: bad default %q for %s", def, f.Name))
			}
			fv.SetInt(int64(n))
		case float64:
			x, err := strconv.ParseFloat(def, 64)
			if err != nil {
				panic(fmt.Sprintf("config: bad default %q for %s", def, f.Name))
			}
			fv.SetFloat(x)
		default:
			panic(fmt.Sprintf("config: no default parser for %s", f.Type))
		}
	}
}
