package lineage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/idstitch/idstitch/engine/config"
)

// transport delivers one event, encoded, before ctx ends.
type transport interface {
	send(ctx context.Context, body []byte) error
	// where names the receiver in messages.
	where() string
}

func newTransport(l *config.Lineage, getenv func(string) string) (transport, error) {
	if l.File != "" {
		return fileTransport{path: l.File}, nil
	}
	t := httpTransport{url: l.URL + "/" + l.Endpoint, client: &http.Client{}}
	if l.APIKeyEnv != "" {
		if t.key = strings.TrimSpace(getenv(l.APIKeyEnv)); t.key == "" {
			return nil, fmt.Errorf("the environment variable %s named by lineage.api_key_env is not set; export it with the receiver's API key", l.APIKeyEnv)
		}
	}
	return t, nil
}

// httpTransport POSTs each event as JSON, with the API key as a bearer token, and tries again
// after a network error, a server error or 429 Too Many Requests: at most tries times, and only
// while ctx allows.
type httpTransport struct {
	url    string
	key    string
	client *http.Client
}

func (t httpTransport) where() string { return t.url }

func (t httpTransport) send(ctx context.Context, body []byte) error {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		retry, err := t.post(ctx, body)
		if err == nil || !retry || attempt == tries {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// tries is how many times an event is sent before it is given up.
const tries = 3

// post sends the event once, and says whether a failure is worth another try.
func (t httpTransport) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if t.key != "" {
		req.Header.Set("Authorization", "Bearer "+t.key)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return false, fmt.Errorf("no answer within the time lineage.timeout leaves")
		}
		return ctx.Err() == nil, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return false, nil
	}
	retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	return retry, fmt.Errorf("the receiver answered %s", resp.Status)
}

// fileTransport appends each event to a file as one line of JSON.
type fileTransport struct{ path string }

func (t fileTransport) where() string { return t.path }

func (t fileTransport) send(_ context.Context, body []byte) error {
	f, err := os.OpenFile(t.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(body, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
