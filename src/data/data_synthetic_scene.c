/* data_synthetic_scene: samples what one synthetic image shows from (seed, index) alone:
 * the package and its leads, the marking, the backdrop, light and camera nuisances, and
 * the defect's own parameters; also which defect kind an image of a dataset gets. No
 * drawing here: the same scene can then be drawn with and without its defect. */
#include "data_synthetic_private.h"

/* sin and cos from + - * / only (see the pragma in the private header): reduce to
 * |x| <= pi/4 around the nearest quarter turn, then Taylor series to x^11, error below
 * 1e-11. */
void
synthetic_sincos(double a, double *s, double *c)
{
    double q = floor(a / G_PI_2 + 0.5);
    double x = a - q * G_PI_2;
    double x2 = x * x;
    double sx = x * (1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110)))));
    double cx = 1 - x2 / 2 * (1 - x2 / 12 * (1 - x2 / 30 * (1 - x2 / 56 * (1 - x2 / 90))));
    switch ((((long) q) % 4 + 4) % 4) {
    case 0: *s = sx;  *c = cx;  break;
    case 1: *s = cx;  *c = -sx; break;
    case 2: *s = -sx; *c = -cx; break;
    default: *s = -cx; *c = sx; break;
    }
}

/* A plausible part number, date code or lot code in the glyphs the marking font has. */
static void
mark_line(nn_rng *r, char *out, int line)
{
    static const char *const prefixes[] = {
        "LM", "NE", "74HC", "SN74", "ATMEGA", "MAX", "TL", "AD", "CD40", "LT", "TPS",
        "STM32F", "PIC16F", "MC", "UC", "ULN",
    };
    static const char *const suffixes[] = { "", "N", "D", "P", "A", "AN", "CN", "DR", "PW" };
    char buf[64];
    if (line == 0) {
        const char *prefix = prefixes[rnd_int(r, G_N_ELEMENTS(prefixes))];
        int digits = 2 + rnd_int(r, 3);
        int len = g_snprintf(buf, sizeof buf, "%s", prefix);
        for (int k = 0; k < digits; k++)
            buf[len++] = (char) ('0' + rnd_int(r, 10));
        buf[len] = '\0';
        g_strlcat(buf, suffixes[rnd_int(r, G_N_ELEMENTS(suffixes))], sizeof buf);
    } else {
        /* Date code (year, week) and a lot letter, or an alphanumeric lot code. */
        int len = 0;
        if (line == 1) {
            int week = 1 + rnd_int(r, 52);
            int year = 10 + rnd_int(r, 15);
            len = g_snprintf(buf, sizeof buf, "%02d%02d", year, week);
        }
        int extra = 1 + rnd_int(r, 4);
        for (int k = 0; k < extra; k++)
            buf[len++] = rnd_chance(r, 0.6) ? (char) ('A' + rnd_int(r, 26)) : (char) ('0' + rnd_int(r, 10));
        buf[len] = '\0';
    }
    g_strlcpy(out, buf, MARK_CHARS + 1);
}

/* Lays out n leads per side, centred on the side, in pin order (counter-clockwise seen
 * from the top, pin 1 first). */
static void
add_side(Scene *sc, int side, int n, double pitch)
{
    for (int k = 0; k < n && sc->n_leads < MAX_LEADS; k++) {
        double t = (k - (n - 1) / 2.0) * pitch;
        Lead *l = &sc->leads[sc->n_leads++];
        l->side = side;
        switch (side) {
        case 0: l->x = t;  l->y = sc->body_h / 2;  l->nx = 0;  l->ny = 1;  break;
        case 1: l->x = sc->body_w / 2;  l->y = -t; l->nx = 1;  l->ny = 0;  break;
        case 2: l->x = -t; l->y = -sc->body_h / 2; l->nx = 0;  l->ny = -1; break;
        default: l->x = -sc->body_w / 2; l->y = t; l->nx = -1; l->ny = 0;  break;
        }
    }
}

/* How much the nuisances (tilt, framing, lighting, blur, noise) vary at a difficulty: the
 * full ranges at 1, a tenth of them at 0, so an easy set differs mostly by its defects.
 * Every range shrinks about its centre and the random draws stay the same, so one
 * (seed, index) is the same scene at every difficulty, only tamer. */
static double
nuisance_for(double difficulty)
{
    return 0.1 + 0.9 * difficulty;
}

/* lo..hi shrunk about its centre by `amount` (0..1). */
static double
rnd_around(nn_rng *r, double lo, double hi, double amount)
{
    double mid = (lo + hi) / 2;
    return mid + (rnd_range(r, lo, hi) - mid) * amount;
}

void
synthetic_scene_sample(Scene *sc, guint64 seed, int index, double difficulty)
{
    double nu = nuisance_for(difficulty);
    nn_rng rng, *r = &rng;
    rng_for(r, seed, (guint64) index, STREAM_SCENE);
    memset(sc, 0, sizeof *sc);

    /* Package geometry in real millimetres (JEDEC-ish), so proportions look right. */
    sc->package = (Package) rnd_int(r, N_PACKAGES);
    double pitch;
    int per_side;
    switch (sc->package) {
    case PACKAGE_DIP:
        pitch = 2.54;
        if (rnd_chance(r, 0.2)) {
            per_side = 10 + rnd_int(r, 5);
            sc->body_h = 13.2;                  /* 600 mil */
        } else {
            per_side = 4 + rnd_int(r, 5);
            sc->body_h = 6.35;                  /* 300 mil */
        }
        sc->body_w = per_side * pitch + rnd_range(r, 0.6, 1.4);
        sc->lead_len = rnd_range(r, 1.0, 1.5);
        sc->lead_w = 1.5;
        sc->draft = rnd_range(r, 0.3, 0.6);
        sc->pin1_style = 1;
        break;
    case PACKAGE_SOIC:
        pitch = 1.27;
        per_side = 4 + rnd_int(r, 5);
        sc->body_h = per_side >= 8 && rnd_chance(r, 0.4) ? 7.5 : 3.9;
        sc->body_w = per_side * pitch + rnd_range(r, 0.5, 1.1);
        sc->lead_len = rnd_range(r, 0.9, 1.3);
        sc->lead_w = 0.45;
        sc->draft = rnd_range(r, 0.15, 0.3);
        sc->pin1_style = rnd_chance(r, 0.65) ? 0 : 2;
        break;
    default: {
        static const double qfp[][3] = {  /* body side, pitch, leads per side */
            { 7, 0.8, 8 }, { 10, 0.8, 10 }, { 10, 0.65, 12 }, { 14, 0.8, 14 }, { 14, 1.0, 11 },
        };
        const double *q = qfp[rnd_int(r, G_N_ELEMENTS(qfp))];
        sc->body_w = sc->body_h = q[0];
        pitch = q[1];
        per_side = (int) q[2];
        sc->lead_len = rnd_range(r, 1.0, 1.6);
        sc->lead_w = pitch * 0.45;
        sc->draft = rnd_range(r, 0.2, 0.4);
        sc->pin1_style = 0;
        break;
    }
    }
    sc->pitch = pitch;
    if (sc->package == PACKAGE_QFP) {
        add_side(sc, 3, per_side, -pitch);      /* left side, top to bottom */
        add_side(sc, 0, per_side, pitch);
        add_side(sc, 1, per_side, pitch);
        add_side(sc, 2, per_side, pitch);
    } else {
        add_side(sc, 0, per_side, pitch);
        add_side(sc, 2, per_side, pitch);
    }

    /* Placement: the chip with its leads fills 62-88% of the frame (an inspection camera
     * frames the part tightly), at one of four
     * orientations give or take 8 degrees, anywhere it fits. The small rotation is
     * atan(t): a unit vector without calling sin or cos. */
    double ext_x = sc->body_w + (sc->package == PACKAGE_QFP ? 2 * sc->lead_len : 0);
    double ext_y = sc->body_h + 2 * sc->lead_len;
    sc->scale = rnd_around(r, 0.62, 0.88, nu) / MAX(ext_x, ext_y);
    double t = rnd_around(r, -0.14, 0.14, nu);
    double c = 1 / sqrt(1 + t * t), s = t * c;
    for (int k = rnd_int(r, 4); k > 0; k--) {
        double c2 = -s;
        s = c;
        c = c2;
    }
    sc->rc = c;
    sc->rs = s;
    double hx = (fabs(c) * ext_x + fabs(s) * ext_y) / 2 * sc->scale;
    double hy = (fabs(s) * ext_x + fabs(c) * ext_y) / 2 * sc->scale;
    const double margin = 0.03;
    sc->cx = hx + margin < 0.5 ? rnd_range(r, hx + margin, 1 - hx - margin) : 0.5;
    sc->cy = hy + margin < 0.5 ? rnd_range(r, hy + margin, 1 - hy - margin) : 0.5;

    /* Materials: black epoxy with a slight cast, tin or (rarely) gold leads. */
    double g = rnd_range(r, 0.07, 0.19);
    double body_b = g * rnd_range(r, 0.92, 1.12);
    double body_g = g * rnd_range(r, 0.92, 1.08);
    sc->body = rgb(g * rnd_range(r, 0.92, 1.08), body_g, body_b);
    double lv = rnd_range(r, 0.62, 0.86);
    sc->lead = rnd_chance(r, 0.12) ? rgb(lv, lv * 0.8, lv * 0.45) : rgb(lv, lv, lv * rnd_range(r, 0.94, 1.02));
    double mv = rnd_range(r, 0.52, 0.82);
    sc->mark = rgb(mv, mv, mv * rnd_range(r, 0.95, 1.05));
    sc->mark_alpha = rnd_range(r, 0.65, 0.95);

    sc->n_mark_lines = sc->package == PACKAGE_QFP ? 3 : (sc->body_h > 7 ? 3 : 2);
    for (int k = 0; k < sc->n_mark_lines; k++)
        mark_line(r, sc->mark_text[k], k);
    sc->mark_logo = rnd_chance(r, 0.4);
    sc->mark_dx = rnd_range(r, -0.05, 0.05) * sc->body_w;
    sc->mark_dy = rnd_range(r, -0.05, 0.05) * sc->body_h;

    sc->n_ejectors = rnd_int(r, 3);
    for (int k = 0; k < sc->n_ejectors; k++) {
        sc->ejector[k][2] = rnd_range(r, 0.08, 0.16) * sc->body_h;
        sc->ejector[k][0] = (k == 0 ? 1 : -1) * (sc->body_w / 2 - sc->ejector[k][2] * rnd_range(r, 1.5, 2.5));
        double sign = rnd_chance(r, 0.5) ? 1 : -1;
        sc->ejector[k][1] = sign * rnd_range(r, 0, 0.25) * sc->body_h;
    }
    synthetic_sincos(rnd(r) * 2 * G_PI, &sc->sheen_y, &sc->sheen_x);
    sc->sheen = rnd_range(r, 0.02, 0.10);
    sc->specular = rnd_chance(r, 0.3);
    sc->spec_x = rnd_range(r, -0.35, 0.35) * sc->body_w;
    sc->spec_y = rnd_range(r, -0.35, 0.35) * sc->body_h;
    sc->spec_r = rnd_range(r, 0.15, 0.35) * sc->body_h;

    /* Backdrop and lighting. */
    sc->backdrop = (Backdrop) rnd_int(r, N_BACKDROPS);
    switch (sc->backdrop) {
    case BACKDROP_TRAY: {
        static const Rgb trays[] = { { 0.13, 0.13, 0.14 }, { 0.14, 0.18, 0.30 }, { 0.22, 0.22, 0.22 }, { 0.30, 0.12, 0.10 } };
        double shade = rnd_range(r, 0.85, 1.25);
        sc->backdrop_color = rgb_scale(trays[rnd_int(r, G_N_ELEMENTS(trays))], shade);
        break;
    }
    case BACKDROP_PCB: {
        static const Rgb masks[] = { { 0.08, 0.36, 0.16 }, { 0.10, 0.30, 0.12 }, { 0.05, 0.26, 0.20 }, { 0.08, 0.16, 0.40 } };
        double shade = rnd_range(r, 0.85, 1.2);
        sc->backdrop_color = rgb_scale(masks[rnd_chance(r, 0.8) ? rnd_int(r, 3) : 3], shade);
        sc->pad = rnd_chance(r, 0.7) ? rgb(0.78, 0.78, 0.74) : rgb(0.86, 0.70, 0.38);
        break;
    }
    case BACKDROP_DARK: {
        g = rnd_range(r, 0.03, 0.08);
        double blue = g * rnd_range(r, 0.95, 1.2);
        sc->backdrop_color = rgb(g, g * rnd_range(r, 0.95, 1.05), blue);
        break;
    }
    default: {
        g = rnd_range(r, 0.45, 0.75);
        double blue = g * rnd_range(r, 0.95, 1.05);
        sc->backdrop_color = rgb(g, g * rnd_range(r, 0.97, 1.02), blue);
        break;
    }
    }
    synthetic_sincos(rnd(r) * 2 * G_PI, &sc->shadow_dy, &sc->shadow_dx);
    double shadow_len = rnd_range(r, 0.004, 0.02);
    sc->shadow_dx *= shadow_len;
    sc->shadow_dy *= shadow_len;
    sc->shadow_alpha = rnd_range(r, 0.25, 0.5);
    sc->exposure = rnd_around(r, 0.8, 1.15, nu);
    synthetic_sincos(rnd(r) * 2 * G_PI, &sc->light_y, &sc->light_x);
    sc->light_amount = rnd_range(r, 0.0, 0.35) * nu;
    sc->vignette = rnd_range(r, 0.0, 0.45) * nu;
    for (int k = 0; k < 3; k++)
        sc->tint[k] = rnd_around(r, 0.94, 1.06, nu);
    sc->blur = rnd_chance(r, 0.45) ? rnd_range(r, 0.2, 0.8) * nu * nu : 0.0;
    sc->noise_sigma = rnd_range(r, 1.0, 4.0) * nu;
    sc->backdrop_seed = nn_rng_next(r);
    sc->texture_seed = nn_rng_next(r);
}

/* Difficulty 0..1 maps to size 20.5..3.5 (9.5 at 0.5) and contrast 1 (up to 0.5) ..0.6;
 * each defect then jitters, and the biggest are capped by the body (caps 1.5x looser at
 * difficulty 0). The quadratic term makes the easy end much easier without touching
 * difficulty 1: with our engine's `small` net (see data_synthetic.h) difficulty 0 learns
 * to ~0.85 validation accuracy in 15 epochs, while 0.25 only reaches ~0.65. */
#define DEFECT_EASY_GROWTH 10.0

/* The unit of every defect's extent: lo..hi (drawn from the defect's stream) of the image
 * side at size 1, times the defect's size, in chip millimetres. */
double
synthetic_defect_length(Defect *df, const Scene *sc, double lo, double hi)
{
    double unit = 1 / sc->scale;    /* mm per image side */
    return rnd_range(&df->rng, lo, hi) * df->size * unit;
}

/* The same, for extents the body's size caps at `cap` mm. This was written
 * MIN(length, cap), and GLib's MIN evaluates the smaller argument twice: a length under
 * the cap is drawn a second time and that second draw (which may exceed the cap) is the
 * one used. Every image depends on it, so it stays, written out where it can be seen. */
double
synthetic_defect_capped_length(Defect *df, const Scene *sc, double lo, double hi, double cap)
{
    if (synthetic_defect_length(df, sc, lo, hi) < cap)
        return synthetic_defect_length(df, sc, lo, hi);
    return cap;
}

void
synthetic_defect_sample(Defect *df, const Scene *sc, int kind, double difficulty, guint64 seed,
                        int index)
{
    memset(df, 0, sizeof *df);
    rng_for(&df->rng, seed, (guint64) index, STREAM_DEFECT);
    nn_rng *r = &df->rng;
    df->kind = kind;
    double ease = 1 - difficulty;
    df->size = (3.5 + 7.0 * ease + DEFECT_EASY_GROWTH * ease * ease) * rnd_range(r, 0.8, 1.2);
    df->cap = 1 + 0.5 * ease;
    df->contrast = CLAMP((difficulty <= 0.5 ? 1.0 : 1.0 - 0.8 * (difficulty - 0.5))
                         * rnd_range(r, 0.85, 1.15), 0.2, 1.0);
    df->lead = rnd_int(r, sc->n_leads);
    df->stub = rnd_chance(r, 0.5) ? 0.0 : rnd_range(r, 0.1, 0.45) * (0.5 + difficulty);
    double angle = (0.75 - 0.45 * difficulty) * rnd_range(r, 0.8, 1.2);   /* radians */
    synthetic_sincos(rnd_chance(r, 0.5) ? angle : -angle, &df->bend_s, &df->bend_c);
    df->corner = rnd_int(r, 4);
    double cut_cap = MIN(0.4 * df->cap, 0.5) * sc->body_h;
    df->cut_a = synthetic_defect_capped_length(df, sc, 0.035, 0.06, cut_cap);
    df->cut_b = synthetic_defect_capped_length(df, sc, 0.035, 0.06, cut_cap);
    for (int k = 0; k < 3; k++)
        df->jag[k] = rnd_range(r, -0.25, 0.35);
}

/* The two-class set's defect kind. A missing or bent pin moves a dozen pixels of a 64x64
 * image (a chipped corner ~250, a burn ~200 at difficulty 0), and a partly missing
 * marking looks like a chip with shorter text: at low difficulty these are rarer, so an
 * easy set is learnable from what is visible. Weight 0 (difficulty 0) .. 1 (1) for
 * those three kinds, 1 for the rest. The multiclass set keeps every kind equally. */
static double
kind_weight(int kind, double difficulty)
{
    gboolean subtle = kind == DATA_DEFECT_MISSING_PIN || kind == DATA_DEFECT_BENT_PIN
                      || kind == DATA_DEFECT_BAD_MARKING;
    return subtle ? difficulty : 1.0;
}

static int
kind_sample(nn_rng *r, double difficulty)
{
    double total = 0;
    for (int k = 0; k < DATA_N_DEFECTS; k++)
        total += kind_weight(k, difficulty);
    double u = rnd(r) * total;
    for (int k = 0; k < DATA_N_DEFECTS - 1; k++) {
        u -= kind_weight(k, difficulty);
        if (u < 0)
            return k;
    }
    return DATA_N_DEFECTS - 1;
}

int
data_synthetic_defect_of(const DataSyntheticParams *params, int index)
{
    g_return_val_if_fail(params != NULL, -1);
    g_return_val_if_fail(index >= 0, -1);
    int c = index % synthetic_num_classes(params);
    if (c == 0)
        return -1;
    if (params->multiclass)
        return c - 1;
    nn_rng rng;
    rng_for(&rng, params->seed, (guint64) index, STREAM_KIND);
    return kind_sample(&rng, params->difficulty);
}
