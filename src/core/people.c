/*
 * people: per-person settings of the station, kept in the people table
 * (schema migration 4). Today the one setting is the language a person's
 * screens use after login; the table of languages the program ships is
 * here and nowhere else.
 *
 * Owns: the people table and the shipped-languages table.
 * Never: echoes a login name in a message, stores a language the program
 * does not ship, or changes a setting without an audit row.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "i18n.h"
#include "people.h"
#include "policy.h"
#include "store.h"

/* The languages with a catalogue in po/ (plus the source language). */
static const struct people_lang_info people_langs[] = {
	{ "en", "English" },
	{ "pl", "polski" },
	{ "es", "español" },
};

#define PEOPLE_NLANGS (sizeof people_langs / sizeof people_langs[0])

static const char sql_lang_set[] =
    "INSERT INTO people (user, language) VALUES (?1, ?2)"
    " ON CONFLICT(user) DO UPDATE SET language = excluded.language";
static const char sql_lang_clear[] =
    "DELETE FROM people WHERE user = ?1";
static const char sql_lang_get[] =
    "SELECT language FROM people WHERE user = ?1";

const struct people_lang_info *
people_languages(size_t *n)
{
	if (n != NULL)
		*n = PEOPLE_NLANGS;
	return people_langs;
}

int
people_language_check(const char *code, struct ferr *err)
{
	size_t i;

	if (code != NULL)
		for (i = 0; i < PEOPLE_NLANGS; i++)
			if (strcmp(code, people_langs[i].code) == 0)
				return 0;
	return ferr_set(err, FULFIL_EINVAL, _("unknown language; the "
	    "languages are en, pl, es"));
}

int
people_set_language(struct store *st, struct audit *audit,
    const char *actor, const char *user, const char *lang, int64_t now,
    struct ferr *err)
{
	struct audit_event ev = { 0 };
	sqlite3_stmt *q;
	bool clear = (lang == NULL || lang[0] == '\0');
	int r;

	if ((r = policy_login_name_check(user, err)) != 0)
		return r;
	if (!clear && (r = people_language_check(lang, err)) != 0)
		return r;
	if ((r = store_begin(st, err)) != 0)
		return r;
	q = store_stmt(st, clear ? sql_lang_clear : sql_lang_set, err);
	if (q == NULL) {
		r = err != NULL && err->code != 0 ? err->code : FULFIL_EDB;
		goto fail;
	}
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	if (!clear)
		sqlite3_bind_text(q, 2, lang, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		r = store_error(st, err, _("storing a person's language"));
		sqlite3_reset(q);
		goto fail;
	}
	sqlite3_reset(q);
	if (audit != NULL) {
		ev.kind = AUDIT_LANGUAGE_SET;
		ev.actor = actor;
		ev.subject = user;
		ev.count = -1;
		ev.result = 0;
		if ((r = audit_log(audit, &ev, now, err)) != 0)
			goto fail;
	}
	return store_commit(st, err);
fail:
	store_rollback(st);
	return r;
}

int
people_language(struct store *st, const char *user, char *buf, size_t len,
    struct ferr *err)
{
	sqlite3_stmt *q;
	const unsigned char *v;
	int r = 0, rc;

	if (len == 0)
		return ferr_set(err, FULFIL_EINVAL,
		    _("no room for a language"));
	buf[0] = '\0';
	/* A read-only open of a cache not migrated yet: nothing set. */
	if (store_schema_version(st) < 4)
		return 0;
	if ((q = store_stmt(st, sql_lang_get, err)) == NULL)
		return err != NULL && err->code != 0 ? err->code : FULFIL_EDB;
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(q, 0);
		if (v != NULL && strlen((const char *)v) < len &&
		    people_language_check((const char *)v, NULL) == 0)
			memcpy(buf, v, strlen((const char *)v) + 1);
	} else if (rc != SQLITE_DONE) {
		r = store_error(st, err, _("reading a person's language"));
	}
	sqlite3_reset(q);
	return r;
}

void
people_use_language(struct store *st, const char *user)
{
	char lang[PEOPLE_LANG_MAX];

	if (st == NULL || user == NULL ||
	    people_language(st, user, lang, sizeof lang, NULL) != 0 ||
	    lang[0] == '\0' || i18n_use_language(lang) != 0)
		i18n_use_station_language();
}
