package sqlstore

// GroupGuesses reports how many PostgreSQL group commits were written in
// one statement (hit) and how many found the head moved (miss).
func (db *DB) GroupGuesses() (hit, miss int64) {
	return db.guesses.hit.Load(), db.guesses.miss.Load()
}
