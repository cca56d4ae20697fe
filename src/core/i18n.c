/*
 * i18n: locale and text-domain set-up for both programs, and the switch
 * between the station's language (the login screen) and a person's
 * language (after login).
 *
 * Owns: the process's LC_MESSAGES and LANGUAGE settings after i18n_init.
 * Never: changes LC_CTYPE or any category but LC_MESSAGES after start-up,
 * or accepts a language code that is not plain [a-z_A-Z].
 *
 * How the switch works (tested on glibc 2.36 with only C, C.UTF-8 and
 * POSIX locales installed): gettext ignores LANGUAGE while LC_MESSAGES
 * is "C" or "POSIX", but not for "C.UTF-8"; so a person's language sets
 * LANGUAGE and, when LC_MESSAGES is C/POSIX, moves LC_MESSAGES to
 * C.UTF-8 (pl_PL or es_ES need not be installed). setlocale() and
 * textdomain() also flush gettext's cache of looked-up messages.
 * Messages come out in LC_CTYPE's codeset (set once at start from the
 * environment): in a UTF-8 terminal (C.UTF-8 will do) "ł" and "ñ" show
 * as such; under LANG=C gettext replaces them with '?'.
 */
#include "config.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

/* The station's settings, saved by i18n_init. */
static char i18n_station_language[64];
static bool i18n_station_language_set;
static char i18n_station_messages[64];

void
i18n_init(void)
{
	const char *v, *m, *dir;

	setlocale(LC_ALL, "");
	/*
	 * FULFIL_LOCALEDIR: catalogues from an uninstalled build (tests,
	 * the demo). Not honoured in a setuid/setgid start (secure_getenv);
	 * whoever sets a root process's environment could as well set
	 * LD_PRELOAD. Only an absolute path counts.
	 */
	dir = secure_getenv("FULFIL_LOCALEDIR");
	if (dir == NULL || dir[0] != '/')
		dir = LOCALEDIR;
	bindtextdomain(PACKAGE, dir);
	textdomain(PACKAGE);
	v = getenv("LANGUAGE");
	i18n_station_language_set = (v != NULL &&
	    strlen(v) < sizeof i18n_station_language);
	if (i18n_station_language_set)
		memcpy(i18n_station_language, v, strlen(v) + 1);
	m = setlocale(LC_MESSAGES, NULL);
	if (m != NULL && strlen(m) < sizeof i18n_station_messages)
		memcpy(i18n_station_messages, m, strlen(m) + 1);
	else
		memcpy(i18n_station_messages, "C", 2);
}

static bool
i18n_code_ok(const char *lang)
{
	size_t i;

	if (lang == NULL || lang[0] == '\0' || strlen(lang) > 16)
		return false;
	for (i = 0; lang[i] != '\0'; i++)
		if (!((lang[i] >= 'a' && lang[i] <= 'z') ||
		    (lang[i] >= 'A' && lang[i] <= 'Z') || lang[i] == '_'))
			return false;
	return true;
}

int
i18n_use_language(const char *lang)
{
	const char *m;

	if (lang == NULL || lang[0] == '\0')
		return i18n_use_station_language();
	if (!i18n_code_ok(lang))
		return -1;
	if (setenv("LANGUAGE", lang, 1) != 0)
		return -1;
	m = setlocale(LC_MESSAGES, NULL);
	if (m == NULL || strcmp(m, "C") == 0 || strcmp(m, "POSIX") == 0) {
		if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL &&
		    setlocale(LC_MESSAGES, "C.utf8") == NULL)
			return -1;
	} else {
		setlocale(LC_MESSAGES, m);	/* flushes gettext's cache */
	}
	textdomain(PACKAGE);
	return 0;
}

int
i18n_use_station_language(void)
{
	if (i18n_station_language_set)
		setenv("LANGUAGE", i18n_station_language, 1);
	else
		unsetenv("LANGUAGE");
	setlocale(LC_MESSAGES, i18n_station_messages[0] != '\0' ?
	    i18n_station_messages : "C");
	textdomain(PACKAGE);
	return 0;
}
