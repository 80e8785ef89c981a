package identify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestJournalKeepsWhatWasSynced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j", "calls.journal")
	j, pending, err := OpenJournal(path)
	if err != nil || len(pending) != 0 {
		t.Fatalf("open: %v, %d pending", err, len(pending))
	}
	if _, _, err := OpenJournal(path); !errors.Is(err, ErrJournalBusy) {
		t.Fatalf("a second open while the first holds it: %v, want ErrJournalBusy", err)
	}
	// Many writers at once: every record is on disk once its wait returns, in sequence.
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := Record{EventID: fmt.Sprintf("e%d", i), ReceivedAt: int64(i)}
			if err := j.Append(&rec)(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	j.Close()
	// A crash in the middle of a write leaves a line without its end.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"seq":999,"event_id":"torn"`)
	f.Close()

	j, pending, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 200 {
		t.Fatalf("reopened: %d records, want 200", len(pending))
	}
	seen := map[string]bool{}
	for i, r := range pending {
		if r.Seq != int64(i+1) || seen[r.EventID] {
			t.Fatalf("record %d: seq %d event %s (repeated %v)", i, r.Seq, r.EventID, seen[r.EventID])
		}
		seen[r.EventID] = true
	}
	// The next record goes after the last whole line, not after the torn bytes.
	rec := Record{EventID: "after"}
	if err := j.Append(&rec)(); err != nil || rec.Seq != 201 {
		t.Fatalf("append after reopening: seq %d, %v", rec.Seq, err)
	}
	// Rotating sets everything aside; a new record goes to the fresh journal.
	set, done, earlier, err := j.Rotate()
	if err != nil || len(set) != 201 || earlier {
		t.Fatalf("rotate: %d records, %v", len(set), err)
	}
	late := Record{EventID: "late"}
	if err := j.Append(&late)(); err != nil {
		t.Fatal(err)
	}
	// Not loaded yet (done not called): a second rotation returns the same set again.
	again, _, earlier, err := j.Rotate()
	if err != nil || len(again) != 201 || !earlier {
		t.Fatalf("rotate before the first was loaded: %d records, %v", len(again), err)
	}
	if err := done(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	_, pending, err = OpenJournal(path)
	if err != nil || len(pending) != 1 || pending[0].EventID != "late" {
		t.Fatalf("after the load: %v pending, %v; want only the late record", pending, err)
	}
}
