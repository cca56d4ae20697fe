/*
 * people: per-person settings kept by the station (the people table,
 * schema migration 4). Today one setting: the language a person's
 * screens use after login (the login screen keeps the station's).
 */
#ifndef FULFIL_PEOPLE_H
#define FULFIL_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

struct store;
struct audit;

/* Longest language code kept ("en", "pl", "es"), with its NUL. */
#define PEOPLE_LANG_MAX 8

/* One language the program ships. */
struct people_lang_info {
	const char *code;	/* "pl": what LANGUAGE and the table hold */
	const char *name;	/* its own name, untranslated: "polski" */
};

/* The languages the program ships, in order; n set to the count. */
const struct people_lang_info *people_languages(size_t *n);

/* 0 when code is a language the program ships, else FULFIL_EINVAL. */
int people_language_check(const char *code, struct ferr *err);

/*
 * Set user's language to lang (a shipped code) at time now, audited as
 * AUDIT_LANGUAGE_SET with actor and subject user, in one transaction.
 * lang NULL or "" clears the setting (the station's language applies).
 * user must be a valid login name (policy_login_name_check); it is never
 * echoed in a message. audit may be NULL only in tests.
 */
int people_set_language(struct store *st, struct audit *audit,
    const char *actor, const char *user, const char *lang, int64_t now,
    struct ferr *err);

/*
 * user's language into buf: "" when none is set (the station's language
 * applies). FULFIL_EINVAL when buf is too small.
 */
int people_language(struct store *st, const char *user, char *buf,
    size_t len, struct ferr *err);

/*
 * Right after user logged in: show messages in user's language from now
 * on (i18n_use_language), or the station's when none is set or it cannot
 * be read. At logout call i18n_use_station_language() (i18n.h). Never
 * fails: a person always gets a screen, at worst in the station's
 * language.
 */
void people_use_language(struct store *st, const char *user);

#endif
