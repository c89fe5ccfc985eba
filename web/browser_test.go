package web_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testenv"
)

// browserStepTimeout bounds every step of a browser test, so that a hung
// browser fails the test instead of blocking it.
const browserStepTimeout = 30 * time.Second

// browserPhoneWidth is the width of a small phone, in CSS pixels.
const browserPhoneWidth = 375

// browserA11yJS returns the accessibility problems of the current page,
// as a list of sentences (empty when there are none).
const browserA11yJS = `(() => {
	const problems = [];
	if (document.documentElement.getAttribute("lang") !== "en") {
		problems.push("<html> has lang=" + JSON.stringify(document.documentElement.getAttribute("lang")) + ", want \"en\"");
	}
	const h1s = document.querySelectorAll("h1");
	if (h1s.length !== 1) {
		problems.push("the page has " + h1s.length + " h1 elements, want exactly 1");
	}
	for (const el of document.querySelectorAll("input, select, textarea")) {
		if (el.type === "hidden") continue;
		const name = el.name || el.outerHTML;
		if (!el.id) {
			problems.push("field " + name + " has no id, so no label[for] can name it");
			continue;
		}
		const label = document.querySelector("label[for=\"" + CSS.escape(el.id) + "\"]");
		if (!label) {
			problems.push("field #" + el.id + " has no label[for=" + el.id + "]");
		} else if (label.textContent.trim() === "") {
			problems.push("the label of field #" + el.id + " is empty");
		}
	}
	for (const r of document.querySelectorAll("[role=region]")) {
		const by = r.getAttribute("aria-labelledby");
		const name = by ? (document.getElementById(by)?.textContent ?? "") : (r.getAttribute("aria-label") ?? "");
		if (name.trim() === "") {
			problems.push("a region has no name: " + r.outerHTML.slice(0, 80));
		}
	}
	for (const b of document.querySelectorAll("button, input[type=submit], input[type=button]")) {
		const text = (b.tagName === "BUTTON" ? b.textContent : b.value) || b.getAttribute("aria-label") || "";
		if (text.trim() === "") {
			problems.push("a button has no text: " + b.outerHTML);
		}
	}
	const skip = [...document.querySelectorAll("a[href^='#']")].find(a => a.textContent.trim() === "Skip to main content");
	if (!skip) {
		problems.push("no \"Skip to main content\" link");
	} else {
		const target = document.getElementById(skip.getAttribute("href").slice(1));
		if (!target) {
			problems.push("the skip link points to " + skip.getAttribute("href") + ", which does not exist");
		}
		// The link may hide off screen, but it must show when it has focus.
		skip.focus();
		const r = skip.getBoundingClientRect();
		if (document.activeElement !== skip) {
			problems.push("the skip link cannot take focus");
		} else if (r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.top >= innerHeight || r.width === 0) {
			problems.push("the skip link stays off screen when it has focus");
		}
		skip.blur();
	}
	return problems;
})()`

// browserOverflowJS reports how far the page scrolls sideways, and which
// elements stick out past the right edge of the viewport.
const browserOverflowJS = `(() => {
	const el = document.documentElement;
	const wide = [];
	for (const n of document.body.querySelectorAll("*")) {
		const r = n.getBoundingClientRect();
		if (r.right > innerWidth + 0.5 && wide.length < 5) {
			wide.push(n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + (n.className ? "." + n.className : "") + " (right edge " + Math.round(r.right) + ")");
		}
	}
	return {scrollWidth: el.scrollWidth, innerWidth: innerWidth, wide: wide};
})()`

type browserOverflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Wide        []string `json:"wide"`
}

// browserOutput collects what Chromium writes to stdout and stderr, to
// show when a test fails.
type browserOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *browserOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *browserOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// browserPath finds Chromium: DOCKETCARD_TEST_CHROMIUM, else chromium on
// PATH. It skips the test (or fails it in strict mode) when there is none.
func browserPath(t *testing.T) string {
	t.Helper()
	name := os.Getenv("DOCKETCARD_TEST_CHROMIUM")
	if name == "" {
		name = "chromium"
	}
	p, err := exec.LookPath(name)
	testenv.Need(t, err == nil, "Chromium", "install the Debian package chromium")
	return p
}

// startBrowser launches headless Chromium with a fresh profile, and
// returns a context that holds it. The browser stops when the test ends.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := browserPath(t)
	// TempDir first: cleanups run last in, first out, so Chromium has
	// exited before its profile is removed.
	profile := t.TempDir()
	out := &browserOutput{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WSURLReadTimeout(browserStepTimeout),
		chromedp.CombinedOutput(out),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	t.Cleanup(func() {
		if t.Failed() {
			// Leave out the noise of a machine with no D-Bus.
			var lines []string
			for l := range strings.Lines(out.String()) {
				if !strings.Contains(l, ":ERROR:dbus/") {
					lines = append(lines, l)
				}
			}
			if s := strings.TrimSpace(strings.Join(lines, "")); s != "" {
				t.Logf("Chromium output:\n%s", s)
			}
		}
	})
	browserStart(t, ctx, cancel, "start Chromium "+exe)
	return ctx
}

// browserTab opens a new tab in its own browser context (its own cookies),
// closed when the test ends.
func browserTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	browserStart(t, ctx, cancel, "open a tab")
	return ctx
}

// browserStart runs the first action on a chromedp context, which starts
// its browser or opens its tab. That first Run binds the browser or tab to
// the context it is given, so that context must not be one with a
// timeout; a watchdog bounds the start instead.
func browserStart(t *testing.T, ctx context.Context, cancel context.CancelFunc, what string) {
	t.Helper()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(browserStepTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-timer.C:
		cancel()
		t.Fatalf("%s: not done within %s", what, browserStepTimeout)
	}
}

// browserDo runs the actions in the tab, bounded by browserStepTimeout.
func browserDo(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// browserRun runs one action that returns a value, bounded by
// browserStepTimeout.
func browserRun[T any](t *testing.T, tab context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// browserNavigate runs the actions, which must cause a page load (a click
// on a submit button, say), and waits for it. It returns the HTTP status of
// the document.
func browserNavigate(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if res == nil {
		t.Fatalf("%s: no response", what)
	}
	return res.Status
}

func browserPathIs(t *testing.T, tab context.Context, base, want string) {
	t.Helper()
	loc := browserRun(t, tab, "read location", chromedp.Location())
	if loc != base+want {
		t.Fatalf("location = %s, want %s", loc, base+want)
	}
}

// browserSignIn fills in and submits the sign-in form, and returns the
// HTTP status of the page that it lands on.
func browserSignIn(t *testing.T, tab context.Context, base, username, password string) int64 {
	t.Helper()
	browserDo(t, tab, "open /login", chromedp.Navigate(base+"/login"))
	browserDo(t, tab, "fill in the sign-in form",
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	return browserNavigate(t, tab, "submit the sign-in form",
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
}

func browserCheckA11y(t *testing.T, tab context.Context, page string) {
	t.Helper()
	problems := browserRun(t, tab, "check accessibility of "+page, chromedp.Evaluate[[]string](browserA11yJS))
	for _, p := range problems {
		t.Errorf("%s: %s", page, p)
	}
}

func browserCheckNoSideScroll(t *testing.T, tab context.Context, page string) {
	t.Helper()
	o := browserRun(t, tab, "measure "+page, chromedp.Evaluate[browserOverflow](browserOverflowJS))
	if o.InnerWidth != browserPhoneWidth {
		t.Fatalf("%s: innerWidth = %d, want the emulated %d", page, o.InnerWidth, browserPhoneWidth)
	}
	if o.ScrollWidth > o.InnerWidth {
		t.Errorf("%s scrolls sideways at %d px wide: scrollWidth = %d; too wide: %s",
			page, o.InnerWidth, o.ScrollWidth, strings.Join(o.Wide, ", "))
	}
}

func TestBrowser(t *testing.T) {
	// The app first: cleanups run last in, first out, so Chromium stops
	// before the test server closes under it.
	app := testapp.New(t, "sqlite")
	browser := startBrowser(t)
	base := app.Server.URL

	t.Run("SignedOutRedirectsToLogin", func(t *testing.T) {
		tab := browserTab(t, browser)
		if status := browserNavigate(t, tab, "open /", chromedp.Navigate(base+"/")); status != 200 {
			t.Errorf("status = %d, want 200 (after the redirect)", status)
		}
		browserPathIs(t, tab, base, "/login")
		h1 := browserRun(t, tab, "read h1", chromedp.Text(chromedp.CSS("h1")))
		if h1 != "Sign in" {
			t.Errorf("h1 = %q, want %q", h1, "Sign in")
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		tab := browserTab(t, browser)
		u := app.Users[docketcard.RoleEnrollmentOfficer]
		if status := browserSignIn(t, tab, base, u.Username, "not the password"); status != 401 {
			t.Errorf("status = %d, want 401", status)
		}
		browserPathIs(t, tab, base, "/login")
		attrs := browserRun(t, tab, "find the error", chromedp.Attributes(chromedp.ID("login-error")))
		if attrs["role"] != "alert" {
			t.Errorf("#login-error role = %q, want alert", attrs["role"])
		}
		msg := browserRun(t, tab, "read the error", chromedp.Text(chromedp.ID("login-error")))
		if strings.TrimSpace(msg) == "" {
			t.Error("#login-error is empty")
		}
		if got := browserRun(t, tab, "read username", chromedp.Value(chromedp.ID("username"))); got != u.Username {
			t.Errorf("username field = %q, want it kept as %q", got, u.Username)
		}
		if got := browserRun(t, tab, "read password", chromedp.Value(chromedp.ID("password"))); got != "" {
			t.Error("password field was filled in again after a failed sign-in")
		}
		if n := browserRun(t, tab, "look for #roles", chromedp.Evaluate[int](`document.querySelectorAll("#roles").length`)); n != 0 {
			t.Error("the page shows #roles after a failed sign-in")
		}
	})

	for _, role := range docketcard.Roles {
		t.Run("SignInOut/"+string(role), func(t *testing.T) {
			tab := browserTab(t, browser)
			u := app.Users[role]
			if status := browserSignIn(t, tab, base, u.Username, testapp.Password); status != 200 {
				t.Errorf("status after sign-in = %d, want 200", status)
			}
			browserPathIs(t, tab, base, "/")
			h1 := browserRun(t, tab, "read h1", chromedp.Text(chromedp.CSS("h1")))
			if !strings.Contains(h1, "Welcome") {
				t.Errorf("h1 = %q, want it to contain Welcome", h1)
			}
			roles := browserRun(t, tab, "read #roles", chromedp.Text(chromedp.ID("roles")))
			if !strings.Contains(roles, string(role)) {
				t.Errorf("#roles = %q, want it to contain %s", roles, role)
			}
			browserNavigate(t, tab, "click Sign out",
				chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type=submit]`)))
			browserPathIs(t, tab, base, "/login")
			// The session is gone, not only the page.
			browserNavigate(t, tab, "open / again", chromedp.Navigate(base+"/"))
			browserPathIs(t, tab, base, "/login")
		})
	}

	t.Run("Accessibility", func(t *testing.T) {
		tab := browserTab(t, browser)
		browserDo(t, tab, "open /login", chromedp.Navigate(base+"/login"))
		browserCheckA11y(t, tab, "/login")
		u := app.Users[docketcard.RoleAdmin]
		browserSignIn(t, tab, base, u.Username, "wrong")
		browserCheckA11y(t, tab, "/login with an error")
		browserSignIn(t, tab, base, u.Username, testapp.Password)
		browserPathIs(t, tab, base, "/")
		browserCheckA11y(t, tab, "/")
	})

	t.Run("MobileNoSideScroll", func(t *testing.T) {
		tab := browserTab(t, browser)
		// Not EmulateMobile: a mobile page that is too wide zooms out, so
		// innerWidth grows with the content and the check cannot fail.
		browserDo(t, tab, "emulate a phone", chromedp.EmulateViewport(browserPhoneWidth, 740))
		browserDo(t, tab, "open /login", chromedp.Navigate(base+"/login"))
		browserCheckNoSideScroll(t, tab, "/login")
		browserSignIn(t, tab, base, "nobody", "wrong password")
		browserCheckNoSideScroll(t, tab, "/login with an error")
		// A valid but long username has no place to break a line.
		u, err := app.Service.CreateUser(t.Context(), docketcard.SystemActor("test"), docketcard.UserInput{
			Username: "maria.guadalupe.hernandez.rodriguez", DisplayName: "María Guadalupe Hernández Rodríguez",
			Roles: []string{string(docketcard.RoleEnrollmentOfficer)}, Sites: []string{"HOU", "ATL"}, Password: testapp.Password})
		if err != nil {
			t.Fatal(err)
		}
		browserSignIn(t, tab, base, u.Username, testapp.Password)
		browserPathIs(t, tab, base, "/")
		browserCheckNoSideScroll(t, tab, "/")
	})

	// The checks above pass only if they can fail: run them on a page
	// that breaks every rule.
	t.Run("ChecksCatchProblems", func(t *testing.T) {
		tab := browserTab(t, browser)
		browserDo(t, tab, "emulate a phone", chromedp.EmulateViewport(browserPhoneWidth, 740))
		bad := `<!doctype html><html><title>bad</title><h1>One</h1><h1>Two</h1>` +
			`<input id="q"><input name="nameless"><button></button><div role="region" style="width:600px">wide</div></html>`
		browserDo(t, tab, "open a bad page", chromedp.Navigate("data:text/html,"+url.PathEscape(bad)))
		problems := browserRun(t, tab, "check accessibility", chromedp.Evaluate[[]string](browserA11yJS))
		for _, want := range []string{"lang=", "2 h1", "#q has no label", "nameless", "button has no text", "region has no name", "Skip to main content"} {
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }) {
				t.Errorf("the accessibility check missed %q; it found %q", want, problems)
			}
		}
		o := browserRun(t, tab, "measure", chromedp.Evaluate[browserOverflow](browserOverflowJS))
		if o.InnerWidth != browserPhoneWidth || o.ScrollWidth <= o.InnerWidth || len(o.Wide) == 0 {
			t.Errorf("the side-scroll check missed a 600 px wide div: %+v", o)
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		if os.Getenv("DOCKETCARD_SCREENSHOTS") != "1" {
			t.Skip("set DOCKETCARD_SCREENSHOTS=1 to write testdata/home.png")
		}
		tab := browserTab(t, browser)
		browserDo(t, tab, "set the viewport", chromedp.EmulateViewport(1024, 768))
		u := app.Users[docketcard.RoleEnrollmentOfficer]
		browserSignIn(t, tab, base, u.Username, testapp.Password)
		browserPathIs(t, tab, base, "/")
		png := browserRun(t, tab, "take a screenshot", chromedp.FullScreenshot(100))
		path := filepath.Join("testdata", "home.png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", path, len(png))
	})
}
