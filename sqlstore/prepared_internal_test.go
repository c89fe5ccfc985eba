package sqlstore

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestHotChunks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect string
		rows    int
		want    []int
	}{
		{"sqlite, none", DialectSQLite, 0, nil},
		{"sqlite, one", DialectSQLite, 1, []int{1}},
		{"sqlite, power of two", DialectSQLite, 64, []int{64}},
		{"sqlite, odd", DialectSQLite, 31, []int{16, 8, 4, 2, 1}},
		{"sqlite, over the largest", DialectSQLite, 300, []int{128, 128, 32, 8, 4}},
		{"postgres, odd", DialectPostgres, 31, []int{31}},
		{"postgres, over 200", DialectPostgres, 512, []int{200, 200, 112}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := (&tx{db: &DB{dialect: tc.dialect}}).hotChunks(tc.rows)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("hotChunks(%d) = %v, want %v", tc.rows, got, tc.want)
			}
		})
	}
}

// Every chunk size hotChunks can produce on SQLite is prepared when the
// store opens, so execHot never prepares inside a transaction (which
// would wait for ever for the writer's only connection).
func TestHotStatementsPreparedOnSQLite(t *testing.T) {
	db, err := Open(context.Background(), Options{Driver: DialectSQLite, DSN: filepath.Join(t.TempDir(), "db.sqlite"), Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := []string{auditHeadRead, auditHeadWrite}
	for n := 1; n <= 512; n++ {
		for _, c := range (&tx{db: db}).hotChunks(n) {
			want = append(want, auditInsert+rowsOf(c, auditInsertCols))
		}
	}
	for _, q := range want {
		if db.writeStmts.lookup(q) == nil {
			t.Fatalf("not prepared at open: %.80s…", q)
		}
	}
	if n := len(db.writeStmts.m); n != len(hotStatements()) {
		t.Fatalf("%d statements prepared, want %d", n, len(hotStatements()))
	}
}

func TestUnnest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first int
		types []string
		want  string
	}{
		{"one column", 1, []string{"text"}, "SELECT * FROM unnest($1::text[])"},
		{"after other parameters", 5, []string{"bigint", "timestamptz"}, "SELECT * FROM unnest($5::bigint[], $6::timestamptz[])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unnest(tc.first, tc.types); got != tc.want {
				t.Fatalf("unnest(%d, %v) = %q, want %q", tc.first, tc.types, got, tc.want)
			}
		})
	}
	// One array per column, in the columns' order (auditArrays returns
	// them so).
	if len(auditTypes) != auditInsertCols || len(auditArrays(nil)) != auditInsertCols {
		t.Errorf("audit_log: %d array types, %d arrays, %d columns", len(auditTypes), len(auditArrays(nil)), auditInsertCols)
	}
}
