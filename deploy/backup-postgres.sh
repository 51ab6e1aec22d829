#!/usr/bin/env bash
# Dump the assistant's PostgreSQL database (trackers, handoff queue, knowledge,
# staff accounts) to $BACKUP_DIR, keep $BACKUP_KEEP_DAYS days, then verify the
# dump can be read. Restore: pg_restore --clean --if-exists -d "$PGDATABASE" FILE
# Environment (backup.env): PGHOST PGPORT PGUSER PGDATABASE (+ PGPASSFILE),
# BACKUP_DIR (default /var/backups/ontmoet), BACKUP_KEEP_DAYS (default 14).
set -euo pipefail
BACKUP_DIR="${BACKUP_DIR:-/var/backups/ontmoet}"
KEEP="${BACKUP_KEEP_DAYS:-14}"
umask 077
mkdir -p "$BACKUP_DIR"
file="$BACKUP_DIR/ontmoet-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --file="$file.part"
pg_restore --list "$file.part" >/dev/null
mv "$file.part" "$file"
find "$BACKUP_DIR" -name 'ontmoet-*.dump' -mtime +"$KEEP" -delete
echo "backup written: $file"
