/*
 * benchutil: the shared half of fulfil's benchmarks (see benchutil.h).
 *
 * Owns the synthetic order generator, the reference "plain" sqlite
 * pipeline, timing and the result table. Every person, address and
 * message it makes is synthetic (example.com e-mail, drama phone
 * numbers); it never reads real data and never links fulfil's core.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <jansson.h>
#include <sqlite3.h>

#include "benchutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BU_REF_MAX 40

/* ---------------------------------------------------------------- PRNG */

void
bu_rng_seed(struct bu_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
bu_rng_next(struct bu_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t
bu_rng_below(struct bu_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift; the bias is irrelevant for a workload. */
	return (uint32_t)(((bu_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* -------------------------------------------------------------- buffer */

struct bu_buf {
	char *p;
	size_t len, cap;
};

static void
bu_die_nomem(void)
{
	fputs("bench: out of memory\n", stderr);
	exit(1);
}

static void
bu_buf_grow(struct bu_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;

	if (b->len + more + 1 <= b->cap)
		return;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((b->p = realloc(b->p, cap)) == NULL)
		bu_die_nomem();
	b->cap = cap;
}

static void
bu_buf_add(struct bu_buf *b, const char *s, size_t n)
{
	bu_buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
bu_buf_puts(struct bu_buf *b, const char *s)
{
	bu_buf_add(b, s, strlen(s));
}

static void bu_buf_printf(struct bu_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bu_buf_printf(struct bu_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		bu_die_nomem();
	bu_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A JSON string literal of s (UTF-8 passed through, escapes for the rest). */
static void
bu_buf_jstr(struct bu_buf *b, const char *s)
{
	const unsigned char *u;
	char esc[8];

	bu_buf_add(b, "\"", 1);
	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*u;
			bu_buf_add(b, esc, 2);
		} else if (*u < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", *u);
			bu_buf_add(b, esc, 6);
		} else {
			bu_buf_add(b, (const char *)u, 1);
		}
	}
	bu_buf_add(b, "\"", 1);
}

/* "key":"value" with a leading comma unless first. */
static void
bu_buf_field(struct bu_buf *b, int first, const char *key, const char *val)
{
	if (!first)
		bu_buf_add(b, ",", 1);
	bu_buf_jstr(b, key);
	bu_buf_add(b, ":", 1);
	bu_buf_jstr(b, val);
}

/* ------------------------------------------------------ synthetic data */

/*
 * People by country: names mix scripts (Latin with diacritics, Greek,
 * Cyrillic, CJK, Hebrew and Arabic right-to-left), apostrophes and
 * hyphens, as a marketplace seller sees them. All invented.
 */
struct bu_country {
	const char *code;
	const char *first[6], *last[6];
	const char *street[4], *city[4], *region[4];
	const char *phone; /* printf prefix, then 4 digits */
	int postcode;      /* style, see bu_postcode() */
	int family_first;  /* the name starts with the family name */
};

static const struct bu_country bu_countries[] = {
    {"GB", {"Oliver", "Siobhán", "Zoë", "Amelia", "Rhys", "Chloé"},
        {"Bennett", "O'Connor", "Ashworth-Lee", "Fairweather", "MacAllister",
            "Price"},
        {"Kingfisher Way", "St John's Road", "Mill Lane", "Albert Embankment"},
        {"London", "Manchester", "Cardiff", "Leeds"},
        {"Greater London", "Greater Manchester", "South Glamorgan",
            "West Yorkshire"},
        "+44 20 7946 ", 0},
    {"DE", {"Jürgen", "Małgorzata", "Lea", "Björn", "Sophie", "Özlem"},
        {"Weiß", "Nowak-Schäfer", "Müller", "Groß", "Köhler", "Yılmaz"},
        {"Hauptstraße", "Am Lindenhof", "Königsallee", "Straße des 17. Juni"},
        {"München", "Köln", "Düsseldorf", "Berlin"},
        {"Bayern", "Nordrhein-Westfalen", "Nordrhein-Westfalen", "Berlin"},
        "+49 30 901820", 1},
    {"FR", {"Zoé", "François", "Anaïs", "Loïc", "Hélène", "Gaëlle"},
        {"Lefèvre", "D'Almeida", "Bénard", "Château-Roux", "Dupré", "N'Diaye"},
        {"rue de l'Église", "avenue des Champs-Élysées",
            "boulevard Saint-Michel", "impasse du Moulin"},
        {"Saint-Étienne", "Besançon", "Orléans", "Nîmes"},
        {"Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté",
            "Centre-Val de Loire", "Occitanie"},
        "+33 1 99 00 ", 1},
    {"ES", {"José", "María", "Íñigo", "Begoña", "Joaquín", "Nuria"},
        {"Núñez", "Peña", "García-Ibáñez", "Muñoz", "Calderón", "Sáenz"},
        {"Calle de Alcalá", "Avinguda Diagonal", "Plaza Mayor",
            "Calle del Pez"},
        {"Madrid", "Barcelona", "A Coruña", "Logroño"},
        {"Comunidad de Madrid", "Cataluña", "Galicia", "La Rioja"},
        "+34 91 123 ", 1},
    {"SE", {"Åsa", "Björn", "Märta", "Øystein", "Linnéa", "Sören"},
        {"Sjöberg", "Ångström", "Lindqvist", "Öberg", "Håkansson", "Ek"},
        {"Drottninggatan", "Storgatan", "Kungsängsvägen", "Östra Hamngatan"},
        {"Göteborg", "Malmö", "Uppsala", "Västerås"},
        {"Västra Götaland", "Skåne", "Uppsala län", "Västmanland"},
        "+46 8 465 00", 2},
    {"GR", {"Αλέξανδρος", "Ελένη", "Γιώργος", "Μαρία", "Νίκος", "Κατερίνα"},
        {"Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου", "Ιωάννου",
            "Δημητρίου"},
        {"Οδός Ερμού", "Λεωφόρος Συγγρού", "Οδός Αθηνάς",
            "Πλατεία Αριστοτέλους"},
        {"Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο"},
        {"Αττική", "Κεντρική Μακεδονία", "Δυτική Ελλάδα", "Κρήτη"},
        "+30 21 0000 ", 1},
    {"BG", {"Дмитрий", "Анна", "Иван", "Светлана", "Георги", "Мария"},
        {"Иванов", "Петрова", "Георгиев", "Димитрова", "Стоянов", "Николова"},
        {"бул. Витоша", "ул. Граф Игнатиев", "ул. Шипка",
            "бул. Цар Освободител"},
        {"София", "Пловдив", "Варна", "Бургас"},
        {"София-град", "Пловдив", "Варна", "Бургас"}, "+359 2 900 ", 3},
    {"JP", {"花子", "太郎", "さくら", "健", "美咲", "翔"},
        {"佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤"},
        {"千代田1-1", "中央区銀座4-2", "北区梅田3-1", "中区栄2-5"},
        {"千代田区", "中央区", "大阪市", "名古屋市"},
        {"東京都", "東京都", "大阪府", "愛知県"}, "+81 3 0000 ", 4, 1},
    {"IL", {"שרה", "דוד", "נועה", "יוסף", "מיכל", "אורי"},
        {"כהן", "לוי", "מזרחי", "פרץ", "ביטון", "אברהם"},
        {"רחוב הרצל", "שדרות רוטשילד", "רחוב יפו", "דרך בגין"},
        {"תל אביב", "ירושלים", "חיפה", "באר שבע"},
        {"מחוז תל אביב", "מחוז ירושלים", "מחוז חיפה", "מחוז הדרום"},
        "+972 3 000 ", 2},
    {"AE", {"محمد", "فاطمة", "عمر", "ليلى", "خالد", "نور"},
        {"الحسيني", "المنصوري", "الزعابي", "الكعبي", "الشامسي", "النعيمي"},
        {"شارع الشيخ زايد", "شارع الوصل", "شارع حمدان", "طريق الخليج"},
        {"دبي", "أبوظبي", "الشارقة", "العين"},
        {"دبي", "أبوظبي", "الشارقة", "أبوظبي"}, "+971 4 000 ", 5},
};

/* Address line 2 and gift messages: text, a number or name, text. */
struct bu_tmpl {
	const char *pre, *post;
};

static const char *const bu_buildings[] = {
    "",
    "",
    "Riverside House, ",
    "Block C, Harbour View, ",
    "The Old Bakery, ",
    "Unit 7, Meridian Business Park, ",
};

static const struct bu_tmpl bu_line2[] = {
    {"Flat ", ", Second floor"},
    {"Apartment ", ", Entrance B"},
    {"Unit ", ", Ground floor"},
    {"c/o Reception, Floor ", ""},
    {"Building ", ", Door B, ring twice"},
    {"Suite ", ", Tower 2"},
};

static const char *const bu_handles[] = {
    "alex.morgan",
    "sam.okafor",
    "kim.lindgren",
    "noor.haddad",
    "jo.tanaka",
    "mika.virtanen",
    "lee.ashby",
    "ren.fujii",
    "ash.patel",
    "robin.meyer",
};

static const struct bu_product {
	const char *sku, *title;
} bu_products[] = {
    {"MUG-BLU", "Blue stoneware mug, 350 ml, dishwasher safe"},
    {"MUG-RED", "Red stoneware mug, 350 ml, dishwasher safe"},
    {"TWL-KIT", "Tea towel \"Kitchen Garden\", 2-pack"},
    {"TORCH-CB", "Crème brûlée torch with refill"},
    {"BOOK-0042", "The Hitchhiker's Guide — pocket edition"},
    {"CBL-USBC-2M", "USB-C cable, 2 m, braided"},
    {"SOCK-W-38", "Wool socks, size 38–40, 3 pairs"},
    {"LAMP-DESK", "LED desk lamp, warm white, dimmable"},
    {"PUZ-1000", "Jigsaw puzzle 1000 pcs «Fjord»"},
    {"TEA-GRN-100", "Green tea, 100 bags, organic, Fairtrade"},
    {"PEN-FNT-M", "Fountain pen, medium nib, navy"},
    {"BAG-TOTE", "Canvas tote bag with inner pocket — natural"},
    {"CHOC-DRK", "Dark chocolate 85 %, 6 × 100 g"},
    {"PLANT-POT-S", "Ceramic plant pot, small, matte"},
    {"KNIFE-SET-5", "Kitchen knife set, 5 pieces, with block"},
    {"TOY-ROBOT", "Wind-up robot (ages 8+)"},
};

static const struct bu_tmpl bu_gifts[] = {
    {"Happy birthday, ", "! Hope the year ahead is full of good things. "
                         "Love from all of us."},
    {"Congratulations on the new flat, ", " — something for the "
                                          "kitchen."},
    {"Thinking of you, ", ". Get well soon! ❤"},
    {"For ", ": a small thank-you for all the help this spring."},
    {"Merry Christmas, ", "! Don't open before the 25th 🎄"},
    {"", ", well done on the exams! We're so proud of you."},
};

static const char *const bu_services[] = {
    "Standard",
    "Standard",
    "Standard",
    "Expedited",
    "NextDay",
    "SecondDay",
};

/* 1 Nov 2026 00:00:00 UTC. */
#define BU_EPOCH_BASE INT64_C(1793491200)

static void
bu_fmt_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
bu_postcode(char out[16], int style, struct bu_rng *r)
{
	static const char up[] = "ABDEFGHJLNPQRSTUWXYZ";

	switch (style) {
	case 0: /* GB */
		snprintf(out, 16, "EX%u %u%c%c", 1 + bu_rng_below(r, 39),
		    bu_rng_below(r, 10), up[bu_rng_below(r, 20)],
		    up[bu_rng_below(r, 20)]);
		break;
	case 2: /* SE, IL style */
		snprintf(out, 16, "%03u %02u", 100 + bu_rng_below(r, 900),
		    bu_rng_below(r, 100));
		break;
	case 3:
		snprintf(out, 16, "%04u", 1000 + bu_rng_below(r, 9000));
		break;
	case 4: /* JP */
		snprintf(out, 16, "%03u-%04u", 100 + bu_rng_below(r, 900),
		    bu_rng_below(r, 10000));
		break;
	case 5: /* AE has none in practice; a PO box number */
		snprintf(out, 16, "PO %u", 1000 + bu_rng_below(r, 90000));
		break;
	default:
		snprintf(out, 16, "%05u", 10000 + bu_rng_below(r, 90000));
		break;
	}
}

static void
bu_ean13(char out[14], struct bu_rng *r)
{
	int i, sum = 0;

	for (i = 0; i < 12; i++) {
		out[i] = (char)('0' + (i == 0 ? 4 + bu_rng_below(r, 6)
		                              : bu_rng_below(r, 10)));
		sum += (out[i] - '0') * ((i % 2) ? 3 : 1);
	}
	out[12] = (char)('0' + (10 - sum % 10) % 10);
	out[13] = '\0';
}

/* Append order number idx (0-based) of a workload to b. */
static void
bu_gen_order(struct bu_buf *b, struct bu_rng *r, const char *prefix, size_t idx,
    char ref[BU_REF_MAX])
{
	const struct bu_country *c =
	    &bu_countries[bu_rng_below(r, NELEM(bu_countries))];
	const char *first = c->first[bu_rng_below(r, 6)];
	const char *last = c->last[bu_rng_below(r, 6)];
	unsigned city = bu_rng_below(r, 4);
	char id[32], t_upd[32], t_ship[32], tmp[512], ean[14], pc[16];
	int64_t upd;
	const struct bu_tmpl *tp;
	unsigned nitems, i;

	snprintf(id, sizeof id, "%s-%07zu", prefix, idx + 1);
	/* Unique while idx < 10^7 (workloads are capped far below). */
	snprintf(ref, BU_REF_MAX, "%03u-%07u-%07u", 100 + bu_rng_below(r, 900),
	    bu_rng_below(r, 10000000), (unsigned)(idx % 10000000));
	upd = BU_EPOCH_BASE + (int64_t)idx * 7 + bu_rng_below(r, 3600);
	bu_fmt_time(t_upd, upd);
	bu_fmt_time(t_ship, upd - upd % 86400 +
	                        86400 * (1 + (int64_t)bu_rng_below(r, 3)) +
	                        17 * 3600);

	bu_buf_add(b, "{", 1);
	bu_buf_field(b, 1, "id", id);
	bu_buf_field(b, 0, "ref", ref);
	bu_buf_field(b, 0, "status", "unshipped");
	bu_buf_field(b, 0, "ship_by", t_ship);
	bu_buf_field(
	    b, 0, "service", bu_services[bu_rng_below(r, NELEM(bu_services))]);
	bu_buf_field(b, 0, "updated_at", t_upd);
	bu_buf_puts(b, ",\"delivered_at\":null,\"items\":[");
	nitems = 1 + bu_rng_below(r, 5);
	for (i = 0; i < nitems; i++) {
		const struct bu_product *p =
		    &bu_products[bu_rng_below(r, NELEM(bu_products))];

		bu_ean13(ean, r);
		if (i > 0)
			bu_buf_add(b, ",", 1);
		bu_buf_add(b, "{", 1);
		bu_buf_field(b, 1, "sku", p->sku);
		bu_buf_field(b, 0, "ean", ean);
		bu_buf_field(b, 0, "title", p->title);
		bu_buf_printf(b, ",\"qty\":%u", 1 + bu_rng_below(r, 3));
		snprintf(tmp, sizeof tmp, "%c-%02u-%02u",
		    'A' + (int)bu_rng_below(r, 8), 1 + bu_rng_below(r, 40),
		    1 + bu_rng_below(r, 12));
		bu_buf_field(b, 0, "bin", tmp);
		bu_buf_add(b, "}", 1);
	}
	bu_buf_puts(b, "],\"ship_to\":{");
	/* Family name first where that is the custom. */
	if (c->family_first)
		snprintf(tmp, sizeof tmp, "%s %s", last, first);
	else
		snprintf(tmp, sizeof tmp, "%s %s", first, last);
	bu_buf_field(b, 1, "name", tmp);
	snprintf(tmp, sizeof tmp, "%s%u %s",
	    bu_buildings[bu_rng_below(r, NELEM(bu_buildings))],
	    1 + bu_rng_below(r, 240), c->street[bu_rng_below(r, 4)]);
	bu_buf_field(b, 0, "line1", tmp);
	tp = &bu_line2[bu_rng_below(r, NELEM(bu_line2))];
	snprintf(tmp, sizeof tmp, "%s%u%s", tp->pre, 1 + bu_rng_below(r, 120),
	    tp->post);
	bu_buf_field(b, 0, "line2", tmp);
	bu_buf_field(b, 0, "city", c->city[city]);
	bu_buf_field(b, 0, "region", c->region[city]);
	bu_postcode(pc, c->postcode, r);
	bu_buf_field(b, 0, "postcode", pc);
	bu_buf_field(b, 0, "country", c->code);
	snprintf(tmp, sizeof tmp, "%s%04u", c->phone, bu_rng_below(r, 10000));
	bu_buf_field(b, 0, "phone", tmp);
	bu_buf_add(b, "}", 1);
	snprintf(tmp, sizeof tmp, "%s.%05u@example.com",
	    bu_handles[bu_rng_below(r, NELEM(bu_handles))],
	    bu_rng_below(r, 100000));
	bu_buf_field(b, 0, "buyer_email", tmp);
	if (bu_rng_below(r, 3) == 0) {
		tp = &bu_gifts[bu_rng_below(r, NELEM(bu_gifts))];
		snprintf(tmp, sizeof tmp, "%s%s%s", tp->pre, first, tp->post);
		bu_buf_field(b, 0, "gift_message", tmp);
	}
	bu_buf_add(b, "}", 1);
}

int
bu_workload_make(struct bu_workload *w, const char *id_prefix, size_t norders,
    size_t batch, size_t nlookups, uint64_t seed)
{
	struct bu_rng r, lr;
	char ref[BU_REF_MAX];
	size_t i, k, n;

	memset(w, 0, sizeof *w);
	if (norders == 0 || batch == 0 || norders > 10000000) {
		fputs("bench: orders must be 1..10000000, batch positive\n",
		    stderr);
		return -1;
	}
	w->norders = norders;
	w->batch = batch;
	w->nbatches = (norders + batch - 1) / batch;
	w->nlookups = nlookups;
	w->batches = calloc(w->nbatches, sizeof *w->batches);
	w->refs = calloc(norders, sizeof *w->refs);
	w->lookups = calloc(nlookups ? nlookups : 1, sizeof *w->lookups);
	if (w->batches == NULL || w->refs == NULL || w->lookups == NULL)
		bu_die_nomem();
	bu_rng_seed(&r, seed);
	for (k = 0, i = 0; k < w->nbatches; k++) {
		struct bu_buf b = {NULL, 0, 0};

		bu_buf_puts(&b, "{\"orders\":[");
		for (n = 0; n < batch && i < norders; n++, i++) {
			if (n > 0)
				bu_buf_add(&b, ",\n", 2);
			bu_gen_order(&b, &r, id_prefix, i, ref);
			if ((w->refs[i] = strdup(ref)) == NULL)
				bu_die_nomem();
		}
		bu_buf_puts(&b, "]}\n");
		w->batches[k].json = b.p;
		w->batches[k].len = b.len;
		w->batches[k].norders = n;
		w->json_bytes += b.len;
	}
	bu_rng_seed(&lr, BU_SEED_LOOKUPS);
	for (i = 0; i < nlookups; i++)
		w->lookups[i] = w->refs[bu_rng_below(&lr, (uint32_t)norders)];
	return 0;
}

void
bu_workload_free(struct bu_workload *w)
{
	size_t i;

	for (i = 0; w->batches != NULL && i < w->nbatches; i++)
		free(w->batches[i].json);
	for (i = 0; w->refs != NULL && i < w->norders; i++)
		free(w->refs[i]);
	free(w->batches);
	free(w->refs);
	free(w->lookups);
	memset(w, 0, sizeof *w);
}

/* -------------------------------------------------------------- timing */

double
bu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
bu_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
bu_sort(double *v, size_t n)
{
	qsort(v, n, sizeof *v, bu_cmp_double);
}

double
bu_percentile(const double *sorted, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0.0;
	/* Nearest rank: the smallest value with at least p% at or below. */
	rank = (size_t)((p / 100.0) * (double)n + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

double
bu_mean(const double *v, size_t n)
{
	double s = 0.0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0.0;
}

double
bu_median(const double *v, size_t n)
{
	double tmp[BU_REPEAT_MAX], *w = tmp, m;

	if (n == 0)
		return 0.0;
	if (n > BU_REPEAT_MAX && (w = malloc(n * sizeof *w)) == NULL)
		bu_die_nomem();
	memcpy(w, v, n * sizeof *w);
	bu_sort(w, n);
	m = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2.0;
	if (w != tmp)
		free(w);
	return m;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t
bu_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int
bu_parse_time(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, se, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se,
	        &n) != 6 ||
	    n == 0 || s[n] != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	*out = bu_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + se;
	return 0;
}

/* ------------------------------------------------------------- machine */

void
bu_machine_describe(struct bu_machine *m, const char *path)
{
	static const struct {
		long magic;
		const char *name;
	} fstypes[] = {
	    {0xEF53, "ext4"},
	    {0x01021994, "tmpfs"},
	    {0x58465342, "xfs"},
	    {0x9123683E, "btrfs"},
	    {0x794c7630, "overlayfs"},
	    {0x2FC12FC1, "zfs"},
	};
	struct statfs sf;
	char line[256];
	FILE *f;
	size_t i;

	memset(m, 0, sizeof *m);
	m->cores = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->cpu, sizeof m->cpu, "unknown CPU");
	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			char *colon = strchr(line, ':');

			if (strncmp(line, "model name", 10) != 0 ||
			    colon == NULL)
				continue;
			colon += strspn(colon + 1, " \t") + 1;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(m->cpu, sizeof m->cpu, "%s", colon);
			break;
		}
		fclose(f);
	}
	bu_loadavg(m->load);
	snprintf(m->fs, sizeof m->fs, "unknown fs");
	if (path != NULL && statfs(path, &sf) == 0) {
		snprintf(m->fs, sizeof m->fs, "fs 0x%lx", (long)sf.f_type);
		for (i = 0; i < NELEM(fstypes); i++)
			if ((long)sf.f_type == fstypes[i].magic)
				snprintf(
				    m->fs, sizeof m->fs, "%s", fstypes[i].name);
	}
}

void
bu_loadavg(char out[32])
{
	double l1, l5, l15;
	FILE *f;

	snprintf(out, 32, "unknown");
	if ((f = fopen("/proc/loadavg", "r")) == NULL)
		return;
	if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
		snprintf(out, 32, "%.2f %.2f %.2f", l1, l5, l15);
	fclose(f);
}

/* ----------------------------------------------------------- temp dirs */

char *
bu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		bu_die_nomem();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *
bu_mkdtemp(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	char *p;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(tmpl, sizeof tmpl, "%s/fulfil-bench-%s-XXXXXX", base, tag);
	if (mkdtemp(tmpl) == NULL) {
		fprintf(stderr, "bench: cannot create a directory in %s: %s\n",
		    base, strerror(errno));
		return NULL;
	}
	/* Absolute: fulfil's key spec must be an absolute path. */
	if (chmod(tmpl, 0700) != 0 || (p = realpath(tmpl, NULL)) == NULL) {
		rmdir(tmpl);
		return NULL;
	}
	return p;
}

void
bu_rmtree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *sub;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			sub = bu_path(path, de->d_name);
			bu_rmtree(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* ------------------------------------------------------ plain pipeline */

/*
 * The same table as fulfil's cache (src/core/store.c, migration 1) with
 * the PII part as JSON text where fulfil keeps a wrapped DEK and a sealed
 * blob. The import and lookup statements mirror what orders does.
 */
static const char bu_plain_schema[] = "CREATE TABLE orders ("
                                      " id TEXT PRIMARY KEY,"
                                      " ref TEXT NOT NULL,"
                                      " status TEXT NOT NULL,"
                                      " state TEXT NOT NULL DEFAULT 'queued',"
                                      " ship_by INTEGER NOT NULL,"
                                      " service TEXT NOT NULL,"
                                      " item_count INTEGER NOT NULL,"
                                      " updated_at INTEGER NOT NULL,"
                                      " delivered_at INTEGER,"
                                      " imported_at INTEGER NOT NULL,"
                                      " cipher INTEGER,"
                                      " epoch INTEGER,"
                                      " pii TEXT);"
                                      "CREATE INDEX orders_ref ON orders(ref);";

static const char bu_sql_get[] = "SELECT updated_at FROM orders WHERE id = ?1";
static const char bu_sql_ins[] =
    "INSERT INTO orders (id, ref, status, service, ship_by, updated_at,"
    " delivered_at, item_count, imported_at, pii)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char bu_sql_upd[] =
    "UPDATE orders SET ref = ?2, status = ?3, service = ?4, ship_by = ?5,"
    " updated_at = ?6, delivered_at = ?7, item_count = ?8, pii = ?10"
    " WHERE id = ?1";
static const char bu_sql_find[] =
    "SELECT id, ref, status, service, ship_by, updated_at, delivered_at,"
    " item_count, pii FROM orders WHERE id = ?1 OR ref = ?1 LIMIT 1";

struct bu_plain {
	sqlite3 *db;
	sqlite3_stmt *get, *ins, *upd, *find;
};

const char *
bu_plain_libversion(void)
{
	return sqlite3_libversion();
}

static int
bu_plain_fail(struct bu_plain *p, const char *doing)
{
	fprintf(stderr, "bench: plain pipeline: %s: %s\n", doing,
	    p->db ? sqlite3_errmsg(p->db) : "no connection");
	return -1;
}

static int
bu_plain_exec(struct bu_plain *p, const char *sql)
{
	if (sqlite3_exec(p->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return bu_plain_fail(p, sql);
	return 0;
}

struct bu_plain *
bu_plain_open(const char *path, const char *key_pragma)
{
	struct bu_plain *p = calloc(1, sizeof *p);
	char *mode;

	if (p == NULL)
		bu_die_nomem();
	if (sqlite3_open_v2(path, &p->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	            SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		bu_plain_fail(p, "open");
		goto fail;
	}
	if (key_pragma != NULL && bu_plain_exec(p, key_pragma) != 0)
		goto fail;
	/* fulfil's pragmas (store.c); trusted_schema is a no-op before
	 * sqlite 3.31 (SQLCipher 3.4). */
	if (bu_plain_exec(p, "PRAGMA trusted_schema = OFF") != 0 ||
	    bu_plain_exec(p, "PRAGMA cell_size_check = ON") != 0 ||
	    bu_plain_exec(p, "PRAGMA secure_delete = ON") != 0 ||
	    bu_plain_exec(p, "PRAGMA temp_store = MEMORY") != 0 ||
	    bu_plain_exec(p, "PRAGMA foreign_keys = ON") != 0 ||
	    bu_plain_exec(p, "PRAGMA synchronous = FULL") != 0)
		goto fail;
	mode = bu_plain_query_text(p, "PRAGMA journal_mode = WAL");
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		free(mode);
		bu_plain_fail(p, "journal_mode=WAL");
		goto fail;
	}
	free(mode);
	if (bu_plain_exec(p, bu_plain_schema) != 0)
		goto fail;
	if (sqlite3_prepare_v2(p->db, bu_sql_get, -1, &p->get, NULL) ||
	    sqlite3_prepare_v2(p->db, bu_sql_ins, -1, &p->ins, NULL) ||
	    sqlite3_prepare_v2(p->db, bu_sql_upd, -1, &p->upd, NULL) ||
	    sqlite3_prepare_v2(p->db, bu_sql_find, -1, &p->find, NULL)) {
		bu_plain_fail(p, "prepare");
		goto fail;
	}
	return p;
fail:
	bu_plain_close(p);
	return NULL;
}

void
bu_plain_close(struct bu_plain *p)
{
	if (p == NULL)
		return;
	sqlite3_finalize(p->get);
	sqlite3_finalize(p->ins);
	sqlite3_finalize(p->upd);
	sqlite3_finalize(p->find);
	sqlite3_close(p->db);
	free(p);
}

char *
bu_plain_query_text(struct bu_plain *p, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static const char *
bu_jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Upsert one order; 0 or -1. */
static int
bu_plain_put(struct bu_plain *p, json_t *o, int64_t now)
{
	static const char *const pii_keys[] = {
	    "items",
	    "ship_to",
	    "buyer_email",
	    "gift_message",
	};
	void (*jfree)(void *);
	json_malloc_t jmalloc;
	const char *id = bu_jstr(o, "id"), *ref = bu_jstr(o, "ref");
	const char *status = bu_jstr(o, "status");
	const char *t_ship = bu_jstr(o, "ship_by");
	const char *t_upd = bu_jstr(o, "updated_at");
	int64_t ship_by, updated_at, have;
	sqlite3_stmt *st;
	json_t *pii;
	char *text;
	size_t i;
	int rc;

	if (id == NULL || ref == NULL || status == NULL || t_ship == NULL ||
	    t_upd == NULL || bu_parse_time(t_ship, &ship_by) != 0 ||
	    bu_parse_time(t_upd, &updated_at) != 0) {
		fputs("bench: plain pipeline: generated order is malformed\n",
		    stderr);
		return -1;
	}
	if ((pii = json_object()) == NULL)
		bu_die_nomem();
	for (i = 0; i < NELEM(pii_keys); i++) {
		json_t *v = json_object_get(o, pii_keys[i]);

		if (v != NULL && json_object_set(pii, pii_keys[i], v) != 0)
			bu_die_nomem();
	}
	text = json_dumps(pii, JSON_COMPACT);
	json_decref(pii);
	if (text == NULL)
		bu_die_nomem();

	/* Newer updated_at wins, as in fulfil's upsert. */
	st = p->get;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	have = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = bu_plain_fail(p, "select");
		goto out;
	}
	rc = 0;
	if (have >= updated_at)
		goto out;
	st = have < 0 ? p->ins : p->upd;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, bu_jstr(o, "service"), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ship_by);
	sqlite3_bind_int64(st, 6, updated_at);
	sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(
	    st, 8, (sqlite3_int64)json_array_size(json_object_get(o, "items")));
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_text(st, 10, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = bu_plain_fail(p, "insert");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
out:
	/* json_dumps memory belongs to jansson's allocator (may wipe). */
	json_get_alloc_funcs(&jmalloc, &jfree);
	jfree(text);
	return rc;
}

int
bu_plain_ingest(
    struct bu_plain *p, const struct bu_workload *w, double *seconds)
{
	json_error_t jerr;
	size_t k, i;
	double t0 = bu_now();
	int64_t now = (int64_t)time(NULL);

	for (k = 0; k < w->nbatches; k++) {
		const struct bu_batch *b = &w->batches[k];
		json_t *root, *arr;
		int bad = 0;

		root = json_loadb(b->json, b->len, 0, &jerr);
		arr = json_object_get(root, "orders");
		if (!json_is_array(arr)) {
			/* Position only: jerr.text may quote the input. */
			fprintf(stderr,
			    "bench: plain pipeline: batch %zu is "
			    "not valid JSON (line %d, column %d)\n",
			    k, jerr.line, jerr.column);
			json_decref(root);
			return -1;
		}
		if (bu_plain_exec(p, "BEGIN IMMEDIATE") != 0) {
			json_decref(root);
			return -1;
		}
		for (i = 0; i < json_array_size(arr) && !bad; i++)
			bad = bu_plain_put(p, json_array_get(arr, i), now);
		json_decref(root);
		if (bad || bu_plain_exec(p, "COMMIT") != 0) {
			sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	*seconds = bu_now() - t0;
	return 0;
}

int
bu_plain_lookups(struct bu_plain *p, const struct bu_workload *w, double *us)
{
	sqlite3_stmt *st = p->find;
	json_error_t jerr;
	size_t i;
	int rc;

	for (i = 0; i < w->nlookups; i++) {
		const char *key = w->lookups[i];
		const unsigned char *text;
		json_t *pii = NULL;
		double t0 = bu_now();

		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW &&
		    (text = sqlite3_column_text(st, 8)) != NULL)
			pii = json_loads((const char *)text, 0, &jerr);
		if (rc != SQLITE_ROW || pii == NULL ||
		    strcmp((const char *)sqlite3_column_text(st, 1), key) !=
		        0) {
			sqlite3_reset(st);
			json_decref(pii);
			fprintf(stderr,
			    "bench: plain pipeline: lookup %zu "
			    "failed\n",
			    i);
			return -1;
		}
		json_decref(pii);
		sqlite3_reset(st);
		us[i] = (bu_now() - t0) * 1e6;
	}
	sqlite3_clear_bindings(st);
	return 0;
}

/* --------------------------------------------------------------- table */

double
bu_row_ratio(const struct bu_row *r)
{
	if (r->kind == BU_RATE)
		return r->value > 0 ? r->ref / r->value : 0.0;
	return r->ref > 0 ? r->value / r->ref : 0.0;
}

const char *
bu_row_verdict(const struct bu_row *r)
{
	switch (r->check) {
	case BU_VALUE_AT_LEAST:
		return r->value >= r->target ? "ok" : "MISSED";
	case BU_VALUE_AT_MOST:
		return r->value <= r->target ? "ok" : "MISSED";
	case BU_RATIO_AT_MOST:
		return bu_row_ratio(r) <= r->target ? "ok" : "MISSED";
	case BU_INFO:
	default:
		return "-";
	}
}

static void
bu_fmt_num(char out[32], double v)
{
	if (v >= 1000.0)
		snprintf(out, 32, "%.0f", v);
	else if (v >= 10.0)
		snprintf(out, 32, "%.1f", v);
	else if (v >= 1.0 || v <= -1.0)
		snprintf(out, 32, "%.2f", v);
	else
		snprintf(out, 32, "%.3f", v);
}

static void
bu_fmt_target(char out[32], const struct bu_row *r)
{
	switch (r->check) {
	case BU_VALUE_AT_LEAST:
		snprintf(out, 32, ">= %g", r->target);
		break;
	case BU_VALUE_AT_MOST:
		snprintf(out, 32, "<= %g", r->target);
		break;
	case BU_RATIO_AT_MOST:
		snprintf(out, 32, "ratio <= %.2fx", r->target);
		break;
	case BU_INFO:
	default:
		snprintf(out, 32, "-");
		break;
	}
}

/* Print s left-aligned in width columns (UTF-8 aware: "µs" is 2 wide). */
static void
bu_pad(FILE *f, const char *s, int width)
{
	const unsigned char *u;
	int cols = 0;

	for (u = (const unsigned char *)s; *u != '\0'; u++)
		cols += (*u & 0xC0) != 0x80;
	fputs(s, f);
	for (; cols < width; cols++)
		fputc(' ', f);
}

void
bu_table_print(FILE *f, const char *value_name, const char *ref_name,
    const struct bu_row *rows, size_t n)
{
	char v[32], ref[32], tg[32], rt[32];
	size_t i;

	fputs("  ", f);
	bu_pad(f, "figure", 28);
	fprintf(f, " %12s %14s %8s  %-15s %s\n", value_name, ref_name, "ratio",
	    "target", "verdict");
	for (i = 0; i < n; i++) {
		bu_fmt_num(v, rows[i].value);
		bu_fmt_num(ref, rows[i].ref);
		bu_fmt_target(tg, &rows[i]);
		fputs("  ", f);
		bu_pad(f, rows[i].figure, 28);
		/* A negative extra cost (fulfil faster) has no ratio. */
		if (bu_row_ratio(&rows[i]) < 0)
			snprintf(rt, sizeof rt, "n/a");
		else
			snprintf(
			    rt, sizeof rt, "%.2fx", bu_row_ratio(&rows[i]));
		fprintf(f, " %12s %14s %8s  %-15s %s\n", v, ref, rt, tg,
		    bu_row_verdict(&rows[i]));
	}
}

void
bu_table_kv(FILE *f, const char *section, const struct bu_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "row %s %s %.6g %.6g %.4f %s\n", section,
		    rows[i].key, rows[i].value, rows[i].ref,
		    bu_row_ratio(&rows[i]), bu_row_verdict(&rows[i]));
}

static int
bu_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 100000000ULL)
		return -1;
	*out = (size_t)v;
	return 0;
}

int
bu_parse_opts(int argc, char **argv, int with_cipher, void (*usage)(FILE *),
    struct bu_opts *o)
{
	static const struct option lo[] = {
	    {"orders", required_argument, NULL, 'o'},
	    {"lookups", required_argument, NULL, 'l'},
	    {"batch", required_argument, NULL, 'b'},
	    {"repeat", required_argument, NULL, 'r'},
	    {"cipher", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"kv", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof *o);
	o->orders = BU_DEFAULT_ORDERS;
	o->lookups = BU_DEFAULT_LOOKUPS;
	o->batch = BU_DEFAULT_BATCH;
	o->repeat = BU_DEFAULT_REPEAT;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (bu_parse_size(optarg, &o->orders) != 0)
				goto bad;
			break;
		case 'l':
			if (bu_parse_size(optarg, &o->lookups) != 0)
				goto bad;
			break;
		case 'b':
			if (bu_parse_size(optarg, &o->batch) != 0)
				goto bad;
			break;
		case 'r':
			if (bu_parse_size(optarg, &o->repeat) != 0 ||
			    o->repeat > BU_REPEAT_MAX)
				goto bad;
			break;
		case 'c':
			if (!with_cipher)
				goto bad;
			o->cipher = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'k':
			o->kv = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind != argc || (o->json && o->kv))
		goto bad;
	return 0;
bad:
	usage(stderr);
	return -1;
}

void
bu_progress(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
