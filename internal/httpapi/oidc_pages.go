package httpapi

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/oidc"
)

// mountOIDC serves Pama ID as an OpenID Connect provider: discovery and the
// protocol endpoints from the oidc package, and the sign-in and consent
// pages here. Every request is limited per client address.
func (s *Server) mountOIDC() {
	h := s.deps.OIDC.Handler()
	limited := s.limitByIP(h)
	s.mux.Handle("GET "+oidc.DiscoveryPath, limited)
	s.mux.Handle("/oidc/", limited)
	s.mux.Handle(oidc.LoginPath, s.limitByIP(http.HandlerFunc(s.oidcLoginPage)))
	s.mux.Handle("POST "+oidc.ConsentPath, s.limitByIP(http.HandlerFunc(s.oidcConsentPage)))
}

// limitByIP applies the per-address rate limit to a plain handler.
func (s *Server) limitByIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait := s.limits.ip(clientIP(r.RemoteAddr)); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
			http.Error(w, "Too many requests from this address; slow down.", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pageData is what the sign-in and consent templates show.
type pageData struct {
	Title    string
	Error    string
	Notice   string
	ID       string
	Client   string
	Email    string
	Scopes   []scopeLine
	Step     string // email, code, consent, error
	External []oidc.ExternalProviderInfo
	ReturnTo string
}

type scopeLine struct{ Name, Text string }

// oidcLoginPage is where the provider sends the browser to sign in: with a
// session that satisfies the request it goes on to consent; otherwise it
// asks for an address, then the emailed code.
func (s *Server) oidcLoginPage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx := r.Context()
	lr, err := s.deps.OIDC.LoginRequest(ctx, r.FormValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := pageData{Title: "Sign in to " + lr.Client.Name, ID: lr.ID, Client: lr.Client.Name, Step: "email",
		Email: lr.LoginHint, ReturnTo: oidc.LoginPath + "?id=" + lr.ID}
	if s.deps.External != nil {
		data.External = s.deps.External.Providers()
	}
	if r.Method == http.MethodGet {
		if p, ok := s.pagePrincipal(r); ok && lr.FreshEnough(p.AuthTime, time.Now()) {
			s.oidcConsentStep(w, r, lr, p)
			return
		}
		if lr.PromptNone {
			s.refuse(w, r, lr.ID, oidc.RefuseLoginRequired)
			return
		}
		s.renderPage(w, http.StatusOK, data)
		return
	}
	meta := identity.SessionMeta{UserAgent: r.UserAgent(), IP: clientIP(r.RemoteAddr)}
	switch r.PostFormValue("step") {
	case "email":
		sent, err := s.deps.Identity.RequestCode(ctx, r.PostFormValue("email"))
		data.Email = r.PostFormValue("email")
		if err != nil {
			data.Error = pageMessage(err)
			s.renderPage(w, s.statusOf(r.Context(), err), data)
			return
		}
		data.Step, data.Email = "code", sent.Email
		data.Notice = "We sent a 6-digit code to " + sent.Email + ". It works for " +
			strconv.Itoa(int(sent.ExpiresIn.Minutes())) + " minutes."
		s.renderPage(w, http.StatusOK, data)
	case "code":
		res, err := s.deps.Identity.SignInWithCode(ctx, r.PostFormValue("email"), r.PostFormValue("code"), meta)
		if err != nil {
			data.Step, data.Email, data.Error = "code", r.PostFormValue("email"), pageMessage(err)
			s.renderPage(w, s.statusOf(r.Context(), err), data)
			return
		}
		ck := s.sessionCookieFor(res.SessionToken, s.deps.Identity.SessionTTL())
		http.SetCookie(w, &ck)
		s.oidcConsentStep(w, r, lr, identity.Principal{AccountID: res.Account.ID, AuthTime: time.Now()})
	case "switch":
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			s.deps.Identity.SignOut(ctx, c.Value)
		}
		ck := s.clearedSessionCookie()
		http.SetCookie(w, &ck)
		data.Email = ""
		s.renderPage(w, http.StatusOK, data)
	default:
		data.Error = "Something was missing from the form. Try again."
		s.renderPage(w, http.StatusBadRequest, data)
	}
}

// oidcConsentStep finishes at once when the account agreed to these scopes
// before, and otherwise shows the consent page.
func (s *Server) oidcConsentStep(w http.ResponseWriter, r *http.Request, lr oidc.LoginRequest, p identity.Principal) {
	ctx := r.Context()
	ok, err := s.deps.OIDC.ConsentRemembered(ctx, p.AccountID, lr)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if ok {
		if err := s.deps.OIDC.Approve(w, r, lr.ID, p.AccountID, p.AuthTime); err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	if lr.PromptNone {
		s.refuse(w, r, lr.ID, oidc.RefuseConsentRequired)
		return
	}
	a, err := s.deps.Identity.Account(ctx, p.AccountID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := pageData{Title: lr.Client.Name + " would like to use your Pama ID", ID: lr.ID, Client: lr.Client.Name,
		Email: a.Email, Step: "consent"}
	for _, sc := range lr.Scopes {
		data.Scopes = append(data.Scopes, scopeLine{Name: sc, Text: oidc.ScopeDescriptions[sc]})
	}
	s.renderPage(w, http.StatusOK, data)
}

// oidcConsentPage takes the answer of the consent page. Only a signed-in
// browser can answer, and the answer is for its own account.
func (s *Server) oidcConsentPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx := r.Context()
	lr, err := s.deps.OIDC.LoginRequest(ctx, r.PostFormValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, ok := s.pagePrincipal(r)
	if !ok || !lr.FreshEnough(p.AuthTime, time.Now()) {
		http.Redirect(w, r, oidc.LoginPath+"?id="+lr.ID, http.StatusSeeOther)
		return
	}
	switch r.PostFormValue("decision") {
	case "allow":
		if err := s.deps.OIDC.Approve(w, r, lr.ID, p.AccountID, p.AuthTime); err != nil {
			s.pageError(w, r, err)
		}
	case "deny":
		s.refuse(w, r, lr.ID, oidc.RefuseDenied)
	default:
		http.Redirect(w, r, oidc.LoginPath+"?id="+lr.ID, http.StatusSeeOther)
	}
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, id string, why oidc.Refusal) {
	if err := s.deps.OIDC.Refuse(w, r, id, why); err != nil {
		s.pageError(w, r, err)
	}
}

// pagePrincipal returns the signed-in account of the browser's session cookie.
func (s *Server) pagePrincipal(r *http.Request) (identity.Principal, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return identity.Principal{}, false
	}
	p, err := s.deps.Identity.Authenticate(r.Context(), c.Value)
	return p, err == nil
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := s.statusOf(r.Context(), err)
	msg := "This sign-in link has expired or was used already. Go back to the application and sign in again."
	if !errors.Is(err, errkind.NotFound) {
		msg = "Something went wrong on our side. Go back to the application and try again."
		if status < 500 {
			msg = pageMessage(err)
		}
	}
	s.renderPage(w, status, pageData{Title: "Cannot sign in", Step: "error", Error: msg})
}

// statusOf maps an error to the status the page answers with (and logs
// unexpected errors, as problemFor does).
func (s *Server) statusOf(ctx context.Context, err error) int {
	var st interface{ GetStatus() int }
	if errors.As(problemFor(ctx, s.log, err), &st) {
		return st.GetStatus()
	}
	return http.StatusInternalServerError
}

// pageMessage turns an error into a sentence for a person.
func pageMessage(err error) string {
	var fe *errkind.FieldError
	var le *errkind.LimitError
	switch {
	case errors.As(err, &fe) && fe.Field == "email":
		return "Enter an email address like ana@example.com."
	case errors.As(err, &fe) && fe.Field == "code":
		return "Enter the 6 digits from the email."
	case errors.As(err, &le):
		return "Too many attempts. Try again in " + le.RetryAfter.Round(time.Second).String() + "."
	}
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok && !strings.Contains(rest, ": ") {
		msg = rest
	}
	if msg == "" {
		return "Something went wrong."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

func (s *Server) renderPage(w http.ResponseWriter, status int, data pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, data); err != nil {
		s.log.Error("render sign-in page", "err", err)
	}
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Pama ID</title>
<style>
 body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
 main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #d8dde3;border-radius:8px}
 h1{font-size:1.35rem;margin:0 0 1rem}
 label{display:block;font-weight:600;margin:1rem 0 .25rem}
 input{box-sizing:border-box;width:100%;padding:.6rem;font:inherit;border:1px solid #8a949e;border-radius:4px}
 input:focus,button:focus,a:focus{outline:3px solid #1f6feb;outline-offset:2px}
 button{font:inherit;padding:.6rem 1.2rem;margin:1rem .5rem 0 0;border-radius:4px;border:1px solid #1f4fa8;background:#1f4fa8;color:#fff;cursor:pointer}
 button.secondary{background:#fff;color:#1f4fa8}
 .error{color:#a40e26;background:#fdecee;padding:.6rem;border-radius:4px}
 .notice{background:#eef4ff;padding:.6rem;border-radius:4px}
 ul{padding-left:1.2rem} small{color:#57606a}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
{{if eq .Step "email"}}
<form method="post" action="/oidc/login">
 <input type="hidden" name="id" value="{{.ID}}">
 <input type="hidden" name="step" value="email">
 <label for="email">Email address</label>
 <input id="email" name="email" type="email" autocomplete="email" required value="{{.Email}}">
 <button type="submit">Email me a sign-in code</button>
</form>
{{range .External}}
<p><a href="/api/v1/auth/external/{{.ID}}/start?return_to={{$.ReturnTo}}">Sign in with {{.Name}}</a></p>
{{end}}
{{else if eq .Step "code"}}
<form method="post" action="/oidc/login">
 <input type="hidden" name="id" value="{{.ID}}">
 <input type="hidden" name="step" value="code">
 <input type="hidden" name="email" value="{{.Email}}">
 <label for="code">Code from the email</label>
 <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
 <button type="submit">Sign in</button>
</form>
{{else if eq .Step "consent"}}
<p>Signed in to Pama as <strong>{{.Email}}</strong>.</p>
<p><strong>{{.Client}}</strong> asks to:</p>
<ul>{{range .Scopes}}<li>{{.Text}} <small>({{.Name}})</small></li>{{end}}</ul>
<form method="post" action="/oidc/consent">
 <input type="hidden" name="id" value="{{.ID}}">
 <button type="submit" name="decision" value="allow">Allow</button>
 <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>
<form method="post" action="/oidc/login">
 <input type="hidden" name="id" value="{{.ID}}">
 <input type="hidden" name="step" value="switch">
 <button type="submit" class="secondary">Not you? Use another account</button>
</form>
<p><small>You can stop sharing at any time in your Pama account settings.</small></p>
{{end}}
</main>
</body>
</html>
`))
