package identify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/idstitch/idstitch/internal/durable"
)

// Record is one identify call as the journal and the landing table keep it.
type Record struct {
	Seq        int64    `json:"seq"`
	EventID    string   `json:"event_id"`
	ReceivedAt int64    `json:"received_at"` // Unix microseconds
	Values     []ID     `json:"values"`      // as given
	Answer     ID       `json:"answered_for"`
	AnsweredID string   `json:"answered_id"`
	Linked     []ID     `json:"linked,omitempty"` // normalized identifiers the answer links
	Retired    []string `json:"retired,omitempty"`
}

// Journal is an append-only file of identify calls, written and synced to disk before a call is
// answered. Calls that arrive while a sync is going on are written and synced together (group
// commit), so that the latency of a call is about one sync whatever the load. Before each run
// the journal is rotated and its calls loaded into the landing table; a journal that was rotated
// but not loaded (the server stopped in between) is loaded first by the next flush.
type Journal struct {
	path string
	// lock is held while the journal is open, so that one process at a time writes it.
	lock *os.File

	mu      sync.Mutex
	f       *os.File
	buf     []byte
	last    int64 // sequence of the last record appended
	synced  int64 // sequence of the last record on disk
	err     error // the last write or sync failure; every waiter sees it
	syncing bool
	cond    *sync.Cond
}

// flushingPath is where a rotated journal waits to be loaded.
func (j *Journal) flushingPath() string { return j.path + ".flushing" }

// OpenJournal opens (creating) the journal at path and returns the records not yet loaded into
// the landing table: those of a rotated journal, then those of the current one. A last line cut
// short by a crash is dropped: its call was never answered.
func OpenJournal(path string) (*Journal, []Record, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("identify journal: %w", err)
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, nil, err
	}
	j := &Journal{path: path, lock: lock}
	j.cond = sync.NewCond(&j.mu)
	fail := func(err error) (*Journal, []Record, error) {
		lock.Close()
		return nil, nil, err
	}
	// A line cut short by a crash was never answered; the next record must not be written after
	// its bytes, which would make that one unreadable too.
	if err := dropTornTail(path); err != nil {
		return fail(err)
	}
	var recs []Record
	for _, p := range []string{j.flushingPath(), path} {
		rs, err := readRecords(p)
		if err != nil {
			return fail(err)
		}
		recs = append(recs, rs...)
	}
	for _, r := range recs {
		j.last = max(j.last, r.Seq)
	}
	j.synced = j.last
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail(fmt.Errorf("identify journal: %w", err))
	}
	j.f = f
	return j, recs, nil
}

func readRecords(path string) ([]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identify journal: %w", err)
	}
	defer f.Close()
	var out []Record
	r := bufio.NewReaderSize(f, 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var rec Record
			if json.Unmarshal(bytes.TrimSpace(line), &rec) == nil && rec.EventID != "" {
				out = append(out, rec)
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("identify journal %s: %w", path, err)
		}
	}
}

// Append writes rec (its Seq set here) and returns the function that waits until it is on disk.
// Records are on disk in the order they were appended.
func (j *Journal) Append(rec *Record) (wait func() error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.last++
	rec.Seq = j.last
	line, _ := json.Marshal(rec)
	j.buf = append(append(j.buf, line...), '\n')
	seq := rec.Seq
	if !j.syncing {
		j.syncing = true
		go j.sync()
	}
	return func() error {
		j.mu.Lock()
		defer j.mu.Unlock()
		for j.synced < seq && j.err == nil {
			j.cond.Wait()
		}
		if j.synced >= seq {
			return nil
		}
		return j.err
	}
}

// sync writes and syncs what was appended, until nothing is left.
func (j *Journal) sync() {
	j.mu.Lock()
	for len(j.buf) > 0 && j.err == nil {
		buf, upto, f := j.buf, j.last, j.f
		j.buf = nil
		j.mu.Unlock()
		_, err := f.Write(buf)
		if err == nil {
			err = f.Sync()
		}
		j.mu.Lock()
		if err != nil {
			j.err = fmt.Errorf("identify journal: %w", err)
		} else {
			j.synced = upto
		}
		j.cond.Broadcast()
	}
	j.syncing = false
	j.cond.Broadcast()
	j.mu.Unlock()
}

// Rotate sets the calls journaled so far aside for loading into the landing table and returns
// them; done() is called once they are loaded, which removes them. When calls set aside
// earlier were never loaded, those are returned instead (earlier) and the journal is not rotated.
func (j *Journal) Rotate() (recs []Record, done func() error, earlier bool, err error) {
	flushing, earlier, err := j.setAside()
	if err != nil {
		return nil, nil, false, err
	}
	// Read without the lock: calls go on being journaled meanwhile, into the new file.
	recs, err = readRecords(flushing)
	if err != nil {
		return nil, nil, false, err
	}
	return recs, func() error {
		if err := os.Remove(flushing); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("identify journal: %w", err)
		}
		return syncDir(filepath.Dir(j.path))
	}, earlier, nil
}

// setAside renames the journal to the file of calls set aside, unless calls set aside earlier
// are still there (earlier), and starts a new journal; it returns the file set aside.
func (j *Journal) setAside() (flushing string, earlier bool, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.syncing {
		j.cond.Wait()
	}
	if j.err != nil {
		return "", false, j.err
	}
	flushing = j.flushingPath()
	if _, err := os.Stat(flushing); errors.Is(err, os.ErrNotExist) {
		if err := j.f.Close(); err != nil {
			j.err = fmt.Errorf("identify journal: %w", err)
			return "", false, j.err
		}
		if err := os.Rename(j.path, flushing); err != nil {
			// The file is closed: reopen it so that calls go on being journaled.
			f, oerr := os.OpenFile(j.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if oerr != nil {
				j.err = fmt.Errorf("identify journal: %w", oerr)
				return "", false, j.err
			}
			j.f = f
			return "", false, fmt.Errorf("identify journal: %w", err)
		}
		f, err := os.OpenFile(j.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			j.err = fmt.Errorf("identify journal: %w", err)
			return "", false, j.err
		}
		j.f = f
		if err := syncDir(filepath.Dir(j.path)); err != nil {
			return "", false, err
		}
		return flushing, false, nil
	}
	return flushing, true, nil
}

// Close closes the journal file once what was appended is on disk.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.syncing {
		j.cond.Wait()
	}
	err := j.f.Close()
	j.lock.Close()
	return err
}

func syncDir(dir string) error {
	if err := durable.SyncDir(dir); err != nil {
		return fmt.Errorf("identify journal: %w", err)
	}
	return nil
}

// ErrJournalBusy: another process (a running serve of the project) has the journal open.
var ErrJournalBusy = errors.New("another process has the identify journal open (a running idstitch serve of this project)")

// dropTornTail cuts a journal file after its last complete line.
func dropTornTail(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("identify journal: %w", err)
	}
	keep := bytes.LastIndexByte(data, '\n') + 1
	if keep == len(data) {
		return nil
	}
	if err := os.Truncate(path, int64(keep)); err != nil {
		return fmt.Errorf("identify journal: cutting the line a crash left unfinished: %w", err)
	}
	return nil
}
