/* data_synthetic: draws the built-in IC-chip inspection dataset with Cairo, one image per
 * (seed, index), in parallel, so a user with no data of their own still sees learning
 * rates, overfitting and its cures on a task that is learnable but not trivial. */
#include <math.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "nn_rng.h"
#include "data_synthetic.h"

/* Byte-identical images on every machine: with -march=native GCC would fuse a*b+c into
 * FMA instructions where the CPU has them, and the last bit of a coordinate can move an
 * anti-aliased edge by one level. Plain IEEE + - * / sqrt are the same everywhere. For the
 * same reason sin/cos come from det_sincos below (glibc picks an FMA variant at run time)
 * and we never ask Cairo for arcs, rotations or round joins, which call libm inside. */
#pragma GCC optimize ("fp-contract=off")

/* Independent random streams of one image, so that e.g. adding a defect does not change
 * the chip it is drawn on. */
enum {
    STREAM_SCENE = 1,
    STREAM_DEFECT = 2,
    STREAM_NOISE = 3,
    STREAM_KIND = 4,
};
/* The label-noise stream is per dataset, not per image: no index reaches this value. */
#define LABEL_NOISE_INDEX G_MAXUINT64

typedef enum { PACKAGE_DIP, PACKAGE_SOIC, PACKAGE_QFP, N_PACKAGES } Package;
typedef enum { BACKDROP_TRAY, BACKDROP_PCB, BACKDROP_DARK, BACKDROP_STAGE, N_BACKDROPS } Backdrop;

typedef struct {
    double r, g, b;
} Rgb;

/* A lead leaves the body at (x, y) on the edge whose outward normal is (nx, ny);
 * chip millimetres, origin at the body centre, long axis along x. */
typedef struct {
    double x, y;
    double nx, ny;
    int side;           /* 0 bottom (+y), 1 right (+x), 2 top (-y), 3 left (-x) */
} Lead;

#define MAX_LEADS 80
#define MARK_LINES 3
#define MARK_CHARS 11

/* Everything about one image except its defect: sampled first, then drawn. */
typedef struct {
    Package package;
    Backdrop backdrop;
    double body_w, body_h;      /* mm; body_w >= body_h */
    double lead_len, lead_w;    /* visible lead length beyond the body, lead width (mm) */
    double pitch;               /* lead spacing (mm) */
    double draft;               /* inset of the moulded top face (mm) */
    int n_leads;
    Lead leads[MAX_LEADS];
    double scale;               /* image fractions per mm */
    double cx, cy;              /* body centre, image fractions */
    double rc, rs;              /* cos, sin of the chip's rotation */
    Rgb body, lead, mark, backdrop_color, pad;
    double mark_alpha;
    char mark_text[MARK_LINES][MARK_CHARS + 1];
    int n_mark_lines;
    gboolean mark_logo;
    double mark_dx, mark_dy;    /* offset of the marking block (mm) */
    int pin1_style;             /* 0 dot, 1 notch (+dot), 2 bevelled edge */
    int n_ejectors;
    double ejector[2][3];       /* x, y, r (mm) of round ejector-pin marks */
    double sheen_x, sheen_y, sheen;   /* direction and strength of the body's gloss */
    gboolean specular;
    double spec_x, spec_y, spec_r;
    double shadow_dx, shadow_dy, shadow_alpha;
    double exposure, light_x, light_y, light_amount, vignette, tint[3];
    double blur;                /* 0 sharp .. 1 one box blur */
    double noise_sigma;         /* sensor noise, 0..255 levels */
    guint64 backdrop_seed, texture_seed;
} Scene;

/* The defect's own parameters, sampled from its own stream. */
typedef struct {
    int kind;                   /* DataDefectKind or -1 */
    double size;                /* 20.5 at difficulty 0 .. 3.5 at 1: scales extents */
    double cap;                 /* 1.5 .. 1: loosens the caps set by the body's size */
    double contrast;            /* 1 .. 0.6: scales opacity */
    int lead;                   /* missing / bent pin */
    double stub;                /* fraction of the missing lead left */
    double bend_c, bend_s;      /* bent pin: rotation about its knee */
    int corner;                 /* chipped corner */
    double cut_a, cut_b;        /* mm along the two edges */
    double jag[3];              /* inward offsets of the fracture's vertices, fraction */
    nn_rng rng;                 /* for the shapes drawn on the fly */
} Defect;

/* Where the defect went, in device pixels. */
typedef struct {
    double x0, y0, x1, y1;
    gboolean any;
} Extent;

/* Per-thread drawing state, reused from image to image. */
typedef struct {
    int size;
    cairo_surface_t *surface;       /* (size, size) ARGB32: the scene */
    cairo_surface_t *body_texture;  /* epoxy, in device space */
    cairo_surface_t *backdrop_texture;
    cairo_surface_t *under;         /* what lies under the body, for chipped corners */
    int *work, *blurred;            /* (size, size, 3), levels x 16 */
} Canvas;

static const char *const defect_names[DATA_N_DEFECTS] = {
    "missing_pin", "bent_pin", "chipped_corner", "crack", "scratch", "particle",
    "burn_mark", "bad_marking",
};

const char *
data_defect_kind_name(DataDefectKind kind)
{
    g_return_val_if_fail(kind >= 0 && kind < DATA_N_DEFECTS, NULL);
    return defect_names[kind];
}

DataSyntheticParams
data_synthetic_params_default(void)
{
    return (DataSyntheticParams) {
        .images_per_class = DATA_SYNTHETIC_DEFAULT_PER_CLASS,
        .size = DATA_SYNTHETIC_DEFAULT_SIZE,
        .difficulty = DATA_SYNTHETIC_DEFAULT_DIFFICULTY,
        .label_noise = 0.0,
        .multiclass = FALSE,
        .seed = 42,
        .threads = 0,
    };
}

/* ---- randomness and arithmetic that is the same on every machine ---- */

static double
rnd(nn_rng *r)
{
    return nn_rng_uniform(r);
}

static double
rnd_range(nn_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * nn_rng_uniform(r);
}

static int
rnd_int(nn_rng *r, int n)
{
    return (int) ((nn_rng_next(r) >> 11) % (guint64) n);
}

static gboolean
rnd_chance(nn_rng *r, double p)
{
    return nn_rng_uniform(r) < p;
}

static void
rng_for(nn_rng *r, guint64 seed, guint64 index, guint64 stream)
{
    nn_rng_seed(r, nn_rng_mix(seed, index, stream));
}

/* sin and cos from + - * / only (see the pragma above): reduce to |x| <= pi/4 around
 * the nearest quarter turn, then Taylor series to x^11, error below 1e-11. */
static void
det_sincos(double a, double *s, double *c)
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

static Rgb
rgb(double r, double g, double b)
{
    return (Rgb) { r, g, b };
}

static Rgb
rgb_scale(Rgb c, double k)
{
    return rgb(MIN(c.r * k, 1.0), MIN(c.g * k, 1.0), MIN(c.b * k, 1.0));
}

static Rgb
rgb_mix(Rgb a, Rgb b, double t)
{
    return rgb(a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t);
}

static void
set_rgba(cairo_t *cr, Rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static void
stop_rgba(cairo_pattern_t *p, double offset, Rgb c, double alpha)
{
    cairo_pattern_add_color_stop_rgba(p, offset, c.r, c.g, c.b, alpha);
}

/* ---- paths ---- */

/* An ellipse from four cubic Béziers (cairo_arc would call libm). */
static void
ellipse_path(cairo_t *cr, double x, double y, double rx, double ry)
{
    const double k = 0.5522847498307936;
    cairo_move_to(cr, x + rx, y);
    cairo_curve_to(cr, x + rx, y + k * ry, x + k * rx, y + ry, x, y + ry);
    cairo_curve_to(cr, x - k * rx, y + ry, x - rx, y + k * ry, x - rx, y);
    cairo_curve_to(cr, x - rx, y - k * ry, x - k * rx, y - ry, x, y - ry);
    cairo_curve_to(cr, x + k * rx, y - ry, x + rx, y - k * ry, x + rx, y);
    cairo_close_path(cr);
}

/* An irregular rounded blob of radius about r: n random radii joined by smooth curves
 * through the midpoints. */
static void
blob_path(cairo_t *cr, nn_rng *rng, double x, double y, double r, double irregularity,
          double stretch)
{
    enum { N = 9 };
    double px[N], py[N];
    double phase = rnd(rng) * 2 * G_PI;
    for (int k = 0; k < N; k++) {
        double s, c;
        det_sincos(phase + k * (2 * G_PI / N), &s, &c);
        double rr = r * (1 + irregularity * (rnd(rng) * 2 - 1));
        px[k] = x + rr * c * stretch;
        py[k] = y + rr * s;
    }
    double mx = (px[N - 1] + px[0]) / 2, my = (py[N - 1] + py[0]) / 2;
    cairo_move_to(cr, mx, my);
    for (int k = 0; k < N; k++) {
        int k1 = (k + 1) % N;
        double nx = (px[k] + px[k1]) / 2, ny = (py[k] + py[k1]) / 2;
        cairo_curve_to(cr, mx + (px[k] - mx) * 2 / 3, my + (py[k] - my) * 2 / 3,
                       nx + (px[k] - nx) * 2 / 3, ny + (py[k] - ny) * 2 / 3, nx, ny);
        mx = nx;
        my = ny;
    }
    cairo_close_path(cr);
}

/* ---- extents of what the defect touched ---- */

static void
extent_add_box(Extent *e, cairo_t *cr, double x0, double y0, double x1, double y1)
{
    double xs[4] = { x0, x1, x0, x1 }, ys[4] = { y0, y0, y1, y1 };
    for (int k = 0; k < 4; k++) {
        double x = xs[k], y = ys[k];
        cairo_user_to_device(cr, &x, &y);
        if (!e->any) {
            e->x0 = e->x1 = x;
            e->y0 = e->y1 = y;
            e->any = TRUE;
        }
        e->x0 = MIN(e->x0, x);
        e->y0 = MIN(e->y0, y);
        e->x1 = MAX(e->x1, x);
        e->y1 = MAX(e->y1, y);
    }
}

static void
extent_add_fill(Extent *e, cairo_t *cr)
{
    if (e == NULL)
        return;
    double x0, y0, x1, y1;
    cairo_fill_extents(cr, &x0, &y0, &x1, &y1);
    extent_add_box(e, cr, x0, y0, x1, y1);
}

static void
extent_add_stroke(Extent *e, cairo_t *cr)
{
    if (e == NULL)
        return;
    double x0, y0, x1, y1;
    cairo_stroke_extents(cr, &x0, &y0, &x1, &y1);
    extent_add_box(e, cr, x0, y0, x1, y1);
}

/* ---- the canvas and textures ---- */

static Canvas *
canvas_new(int size)
{
    Canvas *cv = g_new0(Canvas, 1);
    cv->size = size;
    cv->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->body_texture = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->backdrop_texture = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->under = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->work = g_new(int, (gsize) size * size * 3);
    cv->blurred = g_new(int, (gsize) size * size * 3);
    return cv;
}

static void
canvas_free(Canvas *cv)
{
    cairo_surface_destroy(cv->surface);
    cairo_surface_destroy(cv->body_texture);
    cairo_surface_destroy(cv->backdrop_texture);
    cairo_surface_destroy(cv->under);
    g_free(cv->work);
    g_free(cv->blurred);
    g_free(cv);
}

/* Fills an opaque surface with base modulated by value noise: a smooth lattice of
 * `cells` x `cells` random values (mottling) plus per-pixel grain. Computed here rather
 * than by scaling a small surface with Cairo's filters, so it stays exact. */
static void
texture_fill(cairo_surface_t *surface, guint64 seed, Rgb base, double mottle, double grain,
             int cells)
{
    g_assert(cells >= 1 && cells <= 15);
    nn_rng r;
    nn_rng_seed(&r, seed);
    double lattice[16][16];
    for (int j = 0; j <= cells; j++)
        for (int i = 0; i <= cells; i++)
            lattice[j][i] = rnd(&r) * 2 - 1;

    cairo_surface_flush(surface);
    int size = cairo_image_surface_get_width(surface);
    int stride = cairo_image_surface_get_stride(surface);
    guint8 *data = cairo_image_surface_get_data(surface);
    for (int y = 0; y < size; y++) {
        guint32 *row = (guint32 *) (data + (gsize) y * stride);
        double fy = (y + 0.5) * cells / size;
        int iy = (int) fy;
        double ty = fy - iy;
        ty = ty * ty * (3 - 2 * ty);
        for (int x = 0; x < size; x++) {
            double fx = (x + 0.5) * cells / size;
            int ix = (int) fx;
            double tx = fx - ix;
            tx = tx * tx * (3 - 2 * tx);
            double top = lattice[iy][ix] + (lattice[iy][ix + 1] - lattice[iy][ix]) * tx;
            double bot = lattice[iy + 1][ix] + (lattice[iy + 1][ix + 1] - lattice[iy + 1][ix]) * tx;
            double low = top + (bot - top) * ty;
            double k = 1 + mottle * low + grain * (rnd(&r) * 2 - 1);
            int cr = CLAMP((int) (base.r * k * 255 + 0.5), 0, 255);
            int cg = CLAMP((int) (base.g * k * 255 + 0.5), 0, 255);
            int cb = CLAMP((int) (base.b * k * 255 + 0.5), 0, 255);
            row[x] = 0xff000000u | (guint32) cr << 16 | (guint32) cg << 8 | (guint32) cb;
        }
    }
    cairo_surface_mark_dirty(surface);
}

static void
surface_copy(cairo_surface_t *dst, cairo_surface_t *src)
{
    cairo_surface_flush(src);
    cairo_surface_flush(dst);
    g_assert(cairo_image_surface_get_stride(dst) == cairo_image_surface_get_stride(src));
    memcpy(cairo_image_surface_get_data(dst), cairo_image_surface_get_data(src),
           (gsize) cairo_image_surface_get_stride(src) * cairo_image_surface_get_height(src));
    cairo_surface_mark_dirty(dst);
}

/* Fills the current path with a device-space texture (the path survives matrix changes). */
static void
fill_with_texture(cairo_t *cr, cairo_surface_t *texture, double alpha)
{
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_set_source_surface(cr, texture, 0, 0);
    if (alpha >= 1.0) {
        cairo_fill(cr);
    } else {
        cairo_clip(cr);
        cairo_paint_with_alpha(cr, alpha);
    }
    cairo_restore(cr);
}

/* ---- sampling a scene ---- */

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
            len = g_snprintf(buf, sizeof buf, "%02d%02d", 10 + rnd_int(r, 15), 1 + rnd_int(r, 52));
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

static void
scene_sample(Scene *sc, guint64 seed, int index, double difficulty)
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
    sc->body = rgb(g * rnd_range(r, 0.92, 1.08), g * rnd_range(r, 0.92, 1.08), g * rnd_range(r, 0.92, 1.12));
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
        sc->ejector[k][1] = (rnd_chance(r, 0.5) ? 1 : -1) * rnd_range(r, 0, 0.25) * sc->body_h;
    }
    det_sincos(rnd(r) * 2 * G_PI, &sc->sheen_y, &sc->sheen_x);
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
        sc->backdrop_color = rgb_scale(trays[rnd_int(r, G_N_ELEMENTS(trays))], rnd_range(r, 0.85, 1.25));
        break;
    }
    case BACKDROP_PCB: {
        static const Rgb masks[] = { { 0.08, 0.36, 0.16 }, { 0.10, 0.30, 0.12 }, { 0.05, 0.26, 0.20 }, { 0.08, 0.16, 0.40 } };
        sc->backdrop_color = rgb_scale(masks[rnd_chance(r, 0.8) ? rnd_int(r, 3) : 3], rnd_range(r, 0.85, 1.2));
        sc->pad = rnd_chance(r, 0.7) ? rgb(0.78, 0.78, 0.74) : rgb(0.86, 0.70, 0.38);
        break;
    }
    case BACKDROP_DARK:
        g = rnd_range(r, 0.03, 0.08);
        sc->backdrop_color = rgb(g, g * rnd_range(r, 0.95, 1.05), g * rnd_range(r, 0.95, 1.2));
        break;
    default:
        g = rnd_range(r, 0.45, 0.75);
        sc->backdrop_color = rgb(g, g * rnd_range(r, 0.97, 1.02), g * rnd_range(r, 0.95, 1.05));
        break;
    }
    det_sincos(rnd(r) * 2 * G_PI, &sc->shadow_dy, &sc->shadow_dx);
    double shadow_len = rnd_range(r, 0.004, 0.02);
    sc->shadow_dx *= shadow_len;
    sc->shadow_dy *= shadow_len;
    sc->shadow_alpha = rnd_range(r, 0.25, 0.5);
    sc->exposure = rnd_around(r, 0.8, 1.15, nu);
    det_sincos(rnd(r) * 2 * G_PI, &sc->light_y, &sc->light_x);
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

static void
defect_sample(Defect *df, const Scene *sc, int kind, double difficulty, guint64 seed, int index)
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
    det_sincos(rnd_chance(r, 0.5) ? angle : -angle, &df->bend_s, &df->bend_c);
    df->corner = rnd_int(r, 4);
    double unit = 1 / sc->scale;    /* mm per image side */
    df->cut_a = MIN(rnd_range(r, 0.035, 0.06) * df->size * unit, MIN(0.4 * df->cap, 0.5) * sc->body_h);
    df->cut_b = MIN(rnd_range(r, 0.035, 0.06) * df->size * unit, MIN(0.4 * df->cap, 0.5) * sc->body_h);
    for (int k = 0; k < 3; k++)
        df->jag[k] = rnd_range(r, -0.25, 0.35);
}

/* ---- drawing ---- */

/* The chip frame: millimetres, origin at the body centre, long axis along x; (dx, dy)
 * shifts it in image fractions (for the shadow). */
static void
chip_frame(cairo_t *cr, const Scene *sc, int size, double dx, double dy)
{
    double k = size * sc->scale;
    cairo_matrix_t m;
    cairo_matrix_init(&m, k * sc->rc, k * sc->rs, -k * sc->rs, k * sc->rc,
                      size * (sc->cx + dx), size * (sc->cy + dy));
    cairo_set_matrix(cr, &m);
}

/* Maps lead-frame (u outward, v along the edge) to chip millimetres. */
static void
lead_point(const Lead *l, double u, double v, double *x, double *y)
{
    *x = l->x + u * l->nx - v * l->ny;
    *y = l->y + u * l->ny + v * l->nx;
}

/* Appends one lead's outline, bent by (bc, bs) about its knee, cut at `len` mm. A DIP
 * lead seen from above is a wide shoulder narrowing where it turns down into the board;
 * a gull-wing lead is a strip. */
static void
lead_path(cairo_t *cr, const Scene *sc, const Lead *l, double len, double bc, double bs)
{
    double w = sc->lead_w / 2, L = sc->lead_len;
    double u[8], v[8];
    int n = 0;
    double knee;
    if (sc->package == PACKAGE_DIP) {
        knee = 0.45 * L;
        double pu[8] = { -0.3, knee, 0.55 * L, L, L, 0.55 * L, knee, -0.3 };
        double pv[8] = { -w, -w, -0.3 * w, -0.3 * w, 0.3 * w, 0.3 * w, w, w };
        memcpy(u, pu, sizeof pu);
        memcpy(v, pv, sizeof pv);
        n = 8;
    } else {
        knee = 0.3 * L;
        double pu[6] = { -0.3, knee, L, L, knee, -0.3 };
        double pv[6] = { -w, -w, -w, w, w, w };
        memcpy(u, pu, sizeof pu);
        memcpy(v, pv, sizeof pv);
        n = 6;
    }
    for (int k = 0; k < n; k++) {
        double uk = MIN(u[k], len), vk = v[k];
        if (uk > knee) {
            double du = uk - knee;
            uk = knee + du * bc - vk * bs;
            vk = du * bs + vk * bc;
        }
        double x, y;
        lead_point(l, uk, vk, &x, &y);
        if (k == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
}

/* Tinned metal catches the light on the flat foot and goes dark where it bends. */
static cairo_pattern_t *
lead_gradient(const Scene *sc, int side)
{
    double e = (side == 0 || side == 2) ? sc->body_h / 2 : sc->body_w / 2;
    double nx = side == 1 ? 1 : side == 3 ? -1 : 0, ny = side == 0 ? 1 : side == 2 ? -1 : 0;
    cairo_pattern_t *p = cairo_pattern_create_linear(nx * e, ny * e, nx * (e + sc->lead_len),
                                                     ny * (e + sc->lead_len));
    Rgb c = sc->lead;
    stop_rgba(p, 0.0, rgb_scale(c, 0.35), 1);
    stop_rgba(p, 0.25, rgb_scale(c, 0.75), 1);
    stop_rgba(p, 0.45, rgb_scale(c, 1.25), 1);
    stop_rgba(p, 0.7, rgb_scale(c, 0.95), 1);
    stop_rgba(p, 1.0, rgb_scale(c, 0.7), 1);
    return p;
}

static void
draw_leads(cairo_t *cr, const Scene *sc, const Defect *df, Extent *ext)
{
    gboolean missing = df->kind == DATA_DEFECT_MISSING_PIN;
    gboolean bent = df->kind == DATA_DEFECT_BENT_PIN;
    if (missing || bent) {
        /* Where the lead should have been, and where the bent one went. */
        lead_path(cr, sc, &sc->leads[df->lead], sc->lead_len, 1, 0);
        if (bent)
            lead_path(cr, sc, &sc->leads[df->lead], sc->lead_len, df->bend_c, df->bend_s);
        extent_add_fill(ext, cr);
        cairo_new_path(cr);
    }
    for (int side = 0; side < 4; side++) {
        gboolean any = FALSE;
        for (int k = 0; k < sc->n_leads; k++) {
            const Lead *l = &sc->leads[k];
            if (l->side != side)
                continue;
            any = TRUE;
            if (missing && k == df->lead) {
                if (df->stub > 0)
                    lead_path(cr, sc, l, df->stub * sc->lead_len, 1, 0);
            } else if (bent && k == df->lead) {
                lead_path(cr, sc, l, sc->lead_len, df->bend_c, df->bend_s);
            } else {
                lead_path(cr, sc, l, sc->lead_len, 1, 0);
            }
        }
        if (!any)
            continue;
        cairo_pattern_t *p = lead_gradient(sc, side);
        cairo_set_source(cr, p);
        cairo_fill(cr);
        cairo_pattern_destroy(p);
    }
}

/* PCB: solder mask with traces fanning out of the pads, vias, a silkscreen outline and
 * the pads the leads sit on. Drawn in the chip frame: the chip is soldered square to it. */
static void
draw_pcb(cairo_t *cr, const Scene *sc, nn_rng *r)
{
    Rgb copper = rgb_mix(sc->backdrop_color, rgb(0.55, 0.75, 0.35), 0.25);
    double hx = sc->body_w / 2, hy = sc->body_h / 2, L = sc->lead_len;
    double far = 2 / sc->scale;     /* surely off the image */

    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_line_width(cr, rnd_range(r, 0.2, 0.45));
    for (int k = 0; k < sc->n_leads; k++) {
        if (!rnd_chance(r, 0.45))
            continue;
        const Lead *l = &sc->leads[k];
        double x, y, turn = rnd_chance(r, 0.5) ? 1 : -1, a = rnd_range(r, 0.8, 3.0);
        lead_point(l, L + 0.4, 0, &x, &y);
        cairo_move_to(cr, x, y);
        lead_point(l, L + a, 0, &x, &y);
        cairo_line_to(cr, x, y);
        lead_point(l, L + a + 2, 2 * turn, &x, &y);
        cairo_line_to(cr, x, y);
        lead_point(l, L + a + far, 2 * turn, &x, &y);
        cairo_line_to(cr, x, y);
    }
    for (int k = rnd_int(r, 4); k > 0; k--) {   /* traces passing by */
        double off = (rnd_chance(r, 0.5) ? 1 : -1) * (hy + L + rnd_range(r, 1.5, 0.5 / sc->scale));
        cairo_move_to(cr, -far, off);
        cairo_line_to(cr, far, off);
    }
    set_rgba(cr, copper, 1);
    cairo_stroke(cr);

    for (int k = rnd_int(r, 6); k > 0; k--) {   /* vias */
        double x = rnd_range(r, -0.6, 0.6) / sc->scale, y = rnd_range(r, -0.6, 0.6) / sc->scale;
        if (fabs(x) < hx + L + 1 && fabs(y) < hy + L + 1)
            continue;
        ellipse_path(cr, x, y, 0.45, 0.45);
        set_rgba(cr, sc->pad, 1);
        cairo_fill(cr);
        ellipse_path(cr, x, y, 0.2, 0.2);
        set_rgba(cr, rgb(0.03, 0.03, 0.03), 1);
        cairo_fill(cr);
    }

    /* Silkscreen outline around the footprint, with a pin-1 tick. */
    double gap = rnd_range(r, 0.4, 1.0);
    double sx = hx + (sc->package == PACKAGE_QFP ? L : -0.2) + gap, sy = hy + L + gap;
    cairo_rectangle(cr, -sx, -sy, 2 * sx, 2 * sy);
    cairo_set_line_width(cr, 0.25);
    set_rgba(cr, rgb(0.9, 0.9, 0.85), rnd_range(r, 0.6, 0.9));
    cairo_stroke(cr);
    ellipse_path(cr, -sx - 0.8, sc->package == PACKAGE_QFP ? -sy : sy, 0.35, 0.35);
    cairo_fill(cr);

    /* Pads: still there under a missing lead, which is how an inspector spots it. */
    for (int k = 0; k < sc->n_leads; k++) {
        const Lead *l = &sc->leads[k];
        if (sc->package == PACKAGE_DIP) {
            double x, y;
            lead_point(l, 0.75 * L, 0, &x, &y);
            ellipse_path(cr, x, y, 0.85, 0.85);
        } else {
            double w = sc->lead_w / 2 + 0.12, x, y;
            lead_point(l, 0.2 * L, -w, &x, &y);
            cairo_move_to(cr, x, y);
            lead_point(l, L + 0.5, -w, &x, &y);
            cairo_line_to(cr, x, y);
            lead_point(l, L + 0.5, w, &x, &y);
            cairo_line_to(cr, x, y);
            lead_point(l, 0.2 * L, w, &x, &y);
            cairo_line_to(cr, x, y);
            cairo_close_path(cr);
        }
    }
    set_rgba(cr, sc->pad, 1);
    cairo_fill(cr);
}

/* A JEDEC tray: a grid of recessed pockets, the chip sitting in one of them. */
static void
draw_tray(cairo_t *cr, const Scene *sc, nn_rng *r)
{
    double px = sc->body_w / 2 + (sc->package == PACKAGE_QFP ? sc->lead_len : 0.2) + rnd_range(r, 0.6, 2.0);
    double py = sc->body_h / 2 + sc->lead_len + rnd_range(r, 0.6, 2.0);
    double wall = rnd_range(r, 1.5, 3.5);
    double ox = rnd_range(r, -0.5, 0.5), oy = rnd_range(r, -0.5, 0.5);
    for (int j = -3; j <= 3; j++) {
        for (int i = -3; i <= 3; i++) {
            double x = ox + i * (2 * px + wall) - px, y = oy + j * (2 * py + wall) - py;
            cairo_rectangle(cr, x, y, 2 * px, 2 * py);
        }
    }
    set_rgba(cr, rgb(0, 0, 0), rnd_range(r, 0.2, 0.4));
    cairo_fill_preserve(cr);
    /* The pockets' rims: light on one side, shadowed on the other. */
    cairo_set_line_width(cr, rnd_range(r, 0.25, 0.5));
    set_rgba(cr, rgb(1, 1, 1), rnd_range(r, 0.06, 0.16));
    cairo_stroke(cr);
}

static void
draw_backdrop(cairo_t *cr, Canvas *cv, const Scene *sc)
{
    nn_rng rng;
    nn_rng_seed(&rng, sc->backdrop_seed);
    double mottle = sc->backdrop == BACKDROP_STAGE ? 0.06 : 0.12;
    double grain = sc->backdrop == BACKDROP_DARK ? 0.25 : 0.06;
    texture_fill(cv->backdrop_texture, nn_rng_next(&rng), sc->backdrop_color, mottle, grain,
                 4 + rnd_int(&rng, 6));
    cairo_rectangle(cr, 0, 0, cv->size, cv->size);
    fill_with_texture(cr, cv->backdrop_texture, 1.0);

    chip_frame(cr, sc, cv->size, 0, 0);
    if (sc->backdrop == BACKDROP_PCB)
        draw_pcb(cr, sc, &rng);
    else if (sc->backdrop == BACKDROP_TRAY)
        draw_tray(cr, sc, &rng);

    /* Harmless specks of dust on the backdrop, so that "a small blob somewhere" alone
     * does not mean "particle defect". */
    for (int k = rnd_int(&rng, 4); k > 0; k--) {
        double x = rnd_range(&rng, -0.7, 0.7) / sc->scale, y = rnd_range(&rng, -0.7, 0.7) / sc->scale;
        blob_path(cr, &rng, x, y, rnd_range(&rng, 0.005, 0.015) / sc->scale, 0.4, 1.0);
        double v = rnd_chance(&rng, 0.5) ? 0.85 : 0.05;
        set_rgba(cr, rgb(v, v, v), rnd_range(&rng, 0.2, 0.5));
        cairo_fill(cr);
    }
}

/* The chipped-off piece at corner df->corner (grown about the corner by `grow`): the
 * corner, a point on each edge, and a jagged fracture line between them. Corners in
 * order top-left, top-right, bottom-right, bottom-left. */
static void
corner_cut_path(cairo_t *cr, const Scene *sc, const Defect *df, double grow)
{
    double hx = sc->body_w / 2, hy = sc->body_h / 2;
    double cx[4] = { -hx, hx, hx, -hx }, cy[4] = { -hy, -hy, hy, hy };
    int k = df->corner, prev = (k + 3) % 4, next = (k + 1) % 4;
    /* Unit vectors of the edge arriving at the corner and of the one leaving it. */
    double inx = cx[k] - cx[prev], iny = cy[k] - cy[prev];
    double outx = cx[next] - cx[k], outy = cy[next] - cy[k];
    double in_len = sqrt(inx * inx + iny * iny), out_len = sqrt(outx * outx + outy * outy);
    inx /= in_len, iny /= in_len, outx /= out_len, outy /= out_len;
    double a = df->cut_a * grow, b = df->cut_b * grow, depth = MIN(a, b);
    double ax = cx[k] - inx * a, ay = cy[k] - iny * a;
    double bx = cx[k] + outx * b, by = cy[k] + outy * b;
    /* Into the body is back along the arriving edge plus along the leaving one. */
    double dx = (-inx + outx) * 0.7071, dy = (-iny + outy) * 0.7071;
    cairo_move_to(cr, cx[k], cy[k]);
    cairo_line_to(cr, ax, ay);
    for (int j = 0; j < 3; j++) {
        double t = (j + 1) / 4.0;
        cairo_line_to(cr, ax + (bx - ax) * t + dx * df->jag[j] * depth,
                      ay + (by - ay) * t + dy * df->jag[j] * depth);
    }
    cairo_line_to(cr, bx, by);
    cairo_close_path(cr);
}

static void
body_path(cairo_t *cr, const Scene *sc)
{
    cairo_rectangle(cr, -sc->body_w / 2, -sc->body_h / 2, sc->body_w, sc->body_h);
}

/* The fracture face of a chipped corner: the lighter filler exposed along the break. */
static void
draw_chipped_face(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    cairo_save(cr);
    cairo_new_path(cr);
    /* Clipped to what is left of the body: the body minus the piece (even-odd). */
    body_path(cr, sc);
    corner_cut_path(cr, sc, df, 1.0);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    corner_cut_path(cr, sc, df, 1.6);
    extent_add_fill(ext, cr);
    double v = rnd_range(&df->rng, 0.38, 0.6);
    set_rgba(cr, rgb(v, v * 0.97, v * 0.93), 0.9 * df->contrast);
    cairo_fill(cr);
    cairo_restore(cr);
}

/* 3x5 glyphs, one octal digit per row (4 = left column, 1 = right): laser marking is
 * drawn as rectangles so no font is involved. */
static const char *
glyph_rows(char ch)
{
    static const char digits[10][6] = {
        "75557", "26227", "71747", "71317", "55711", "74717", "74757", "71122", "75757", "75717",
    };
    static const char letters[26][6] = {
        "25755", "65656", "34443", "65556", "74647", "74644", "34553", "55755", "72227",
        "11152", "55655", "44447", "57755", "65555", "25552", "65644", "25573", "65655",
        "34216", "72222", "55557", "55552", "55775", "55255", "55222", "71247",
    };
    if (ch >= '0' && ch <= '9')
        return digits[ch - '0'];
    if (ch >= 'A' && ch <= 'Z')
        return letters[ch - 'A'];
    return "00000";
}

/* Appends the marking's glyph rectangles. skip_line / skip_from (or -1) leave out a whole
 * line or the end of every line: a partly missing print. */
static void
marking_path(cairo_t *cr, const Scene *sc, int skip_line, int skip_from, double dx, double dy)
{
    int max_chars = 1;
    for (int k = 0; k < sc->n_mark_lines; k++)
        max_chars = MAX(max_chars, (int) strlen(sc->mark_text[k]) + (k == 0 && sc->mark_logo ? 2 : 0));
    double inner_w = sc->body_w - 2 * sc->draft, inner_h = sc->body_h - 2 * sc->draft;
    double cell = MIN(inner_h * 0.62 / (sc->n_mark_lines * 7 - 2), inner_w * 0.72 / (max_chars * 4 - 1));
    double y0 = sc->mark_dy + dy - (sc->n_mark_lines * 7 - 2) * cell / 2;
    for (int line = 0; line < sc->n_mark_lines; line++, y0 += 7 * cell) {
        if (line == skip_line)
            continue;
        const char *text = sc->mark_text[line];
        int n = (int) strlen(text) + (line == 0 && sc->mark_logo ? 2 : 0);
        double x0 = sc->mark_dx + dx - (n * 4 - 1) * cell / 2;
        if (line == 0 && sc->mark_logo) {
            /* A maker's logo: a diamond. */
            cairo_move_to(cr, x0 + 2.5 * cell, y0);
            cairo_line_to(cr, x0 + 5 * cell, y0 + 2.5 * cell);
            cairo_line_to(cr, x0 + 2.5 * cell, y0 + 5 * cell);
            cairo_line_to(cr, x0, y0 + 2.5 * cell);
            cairo_close_path(cr);
            x0 += 8 * cell;
        }
        for (int i = 0; text[i]; i++, x0 += 4 * cell) {
            if (skip_from >= 0 && i >= skip_from)
                break;
            const char *rows = glyph_rows(text[i]);
            for (int row = 0; row < 5; row++) {
                int bits = rows[row] - '0';
                /* Runs of lit cells become one rectangle (fewer edges, no seams). */
                for (int col = 0; col < 3; col++) {
                    if (!(bits & (4 >> col)))
                        continue;
                    int end = col;
                    while (end + 1 < 3 && (bits & (4 >> (end + 1))))
                        end++;
                    cairo_rectangle(cr, x0 + col * cell, y0 + row * cell, (end - col + 1) * cell, cell);
                    col = end;
                }
            }
        }
    }
}

static void
draw_marking(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    if (df->kind != DATA_DEFECT_BAD_MARKING) {
        marking_path(cr, sc, -1, -1, 0, 0);
        set_rgba(cr, sc->mark, sc->mark_alpha);
        cairo_fill(cr);
        return;
    }
    nn_rng *r = &df->rng;
    marking_path(cr, sc, -1, -1, 0, 0);
    extent_add_fill(ext, cr);
    cairo_new_path(cr);
    double variant = rnd(r);
    if (variant < 0.3) {
        /* Not printed at all (or so faint it might as well not be). */
        marking_path(cr, sc, -1, -1, 0, 0);
        set_rgba(cr, sc->mark, sc->mark_alpha * 0.25 * (1 - df->contrast));
        cairo_fill(cr);
    } else if (variant < 0.55) {
        /* Partly missing: one whole line, or the end of each line. */
        if (rnd_chance(r, 0.5))
            marking_path(cr, sc, rnd_int(r, sc->n_mark_lines), -1, 0, 0);
        else
            marking_path(cr, sc, -1, 1 + rnd_int(r, 3), 0, 0);
        set_rgba(cr, sc->mark, sc->mark_alpha);
        cairo_fill(cr);
    } else {
        /* Smeared: the print dragged sideways before it cured, as a trail of copies. */
        double s, c;
        det_sincos(rnd_range(r, -0.6, 0.6) + (rnd_chance(r, 0.5) ? 0 : G_PI), &s, &c);
        double len = rnd_range(r, 0.04, 0.09) * df->size / sc->scale;
        int steps = 6;
        for (int k = steps; k >= 0; k--) {
            double t = (double) k / steps;
            marking_path(cr, sc, -1, -1, c * len * t, s * len * t);
            extent_add_fill(ext, cr);
            set_rgba(cr, sc->mark, sc->mark_alpha * (k == 0 ? 0.6 : 0.35 * df->contrast));
            cairo_fill(cr);
        }
    }
}

/* A random point on the body, at least `inset` (fraction) away from its edges. */
static void
body_point(nn_rng *r, const Scene *sc, double inset, double *x, double *y)
{
    *x = rnd_range(r, -0.5 + inset, 0.5 - inset) * sc->body_w;
    *y = rnd_range(r, -0.5 + inset, 0.5 - inset) * sc->body_h;
}

static void
draw_crack(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double unit = 1 / sc->scale;
    double len = rnd_range(r, 0.08, 0.16) * df->size * unit;
    double x, y, dir = rnd(r) * 2 * G_PI;
    body_point(r, sc, 0.15, &x, &y);
    int n = 5 + rnd_int(r, 3);
    cairo_move_to(cr, x, y);
    for (int k = 0; k < n; k++) {
        double s, c;
        dir += rnd_range(r, -0.7, 0.7);
        det_sincos(dir, &s, &c);
        x += c * len / n;
        y += s * len / n;
        cairo_line_to(cr, x, y);
    }
    double w = rnd_range(r, 0.008, 0.012) * (0.6 + 0.2 * df->size) * unit;
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
    /* Stress-whitened lips either side, then the dark gap. */
    cairo_set_line_width(cr, 2.6 * w);
    extent_add_stroke(ext, cr);
    set_rgba(cr, rgb(0.55, 0.55, 0.53), 0.45 * df->contrast);
    cairo_stroke_preserve(cr);
    cairo_set_line_width(cr, w);
    set_rgba(cr, rgb(0.01, 0.01, 0.01), 0.95);
    cairo_stroke(cr);
}

static void
draw_scratch(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double unit = 1 / sc->scale;
    double len = rnd_range(r, 0.1, 0.2) * df->size * unit;
    double x, y, s, c;
    body_point(r, sc, 0.1, &x, &y);
    det_sincos(rnd(r) * 2 * G_PI, &s, &c);
    double bow = rnd_range(r, -0.15, 0.15) * len;
    int n = 1 + (rnd_chance(r, 0.4) ? rnd_int(r, 3) : 0);   /* a few parallel ones */
    double w = rnd_range(r, 0.006, 0.010) * (0.7 + 0.15 * df->size) * unit;
    for (int k = 0; k < n; k++) {
        double ox = -s * k * 2.5 * w, oy = c * k * 2.5 * w;
        double l = len * (k == 0 ? 1 : rnd_range(r, 0.4, 0.9));
        cairo_move_to(cr, x + ox - c * l / 2, y + oy - s * l / 2);
        cairo_curve_to(cr, x + ox - c * l / 6 - s * bow, y + oy - s * l / 6 + c * bow,
                       x + ox + c * l / 6 - s * bow, y + oy + s * l / 6 + c * bow,
                       x + ox + c * l / 2, y + oy + s * l / 2);
    }
    cairo_set_line_width(cr, w);
    extent_add_stroke(ext, cr);
    double v = rnd_range(r, 0.6, 0.85);
    set_rgba(cr, rgb(v, v, v), rnd_range(r, 0.55, 0.8) * df->contrast);
    cairo_stroke(cr);
}

static void
draw_particle(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double unit = 1 / sc->scale;
    double rad = MIN(rnd_range(r, 0.013, 0.022) * df->size * unit, 0.15 * df->cap * sc->body_h);
    double x, y;
    /* On the body, or among the leads (a solder ball bridging two of them). */
    body_point(r, sc, 0.05, &x, &y);
    int type = rnd_int(r, 4);
    if (type == 0) {
        const Lead *l = &sc->leads[rnd_int(r, sc->n_leads)];
        /* Between two leads, where a bridge shorts them. */
        lead_point(l, sc->lead_len * rnd_range(r, 0.3, 0.9), (rnd_chance(r, 0.5) ? 0.5 : -0.5) * sc->pitch, &x, &y);
        rad = MAX(rad * 0.7, sc->pitch * 0.55);
        ellipse_path(cr, x, y, rad, rad);
        extent_add_fill(ext, cr);
        cairo_pattern_t *p = cairo_pattern_create_radial(x - rad * 0.35, y - rad * 0.35, 0, x, y, rad);
        stop_rgba(p, 0, rgb(1, 1, 1), 1);
        stop_rgba(p, 0.35, rgb(0.75, 0.75, 0.72), 1);
        stop_rgba(p, 1, rgb(0.3, 0.3, 0.3), 1);
        cairo_set_source(cr, p);
        cairo_fill(cr);
        cairo_pattern_destroy(p);
    } else if (type == 1) {
        /* A fibre: a thin light curl. */
        double s, c, len = rad * rnd_range(r, 4, 7);
        det_sincos(rnd(r) * 2 * G_PI, &s, &c);
        cairo_move_to(cr, x - c * len / 2, y - s * len / 2);
        cairo_curve_to(cr, x + s * len * rnd_range(r, -0.6, 0.6), y - c * len * rnd_range(r, -0.6, 0.6),
                       x - s * len * rnd_range(r, -0.6, 0.6), y + c * len * rnd_range(r, -0.6, 0.6),
                       x + c * len / 2, y + s * len / 2);
        cairo_set_line_width(cr, rad * 0.35);
        extent_add_stroke(ext, cr);
        set_rgba(cr, rgb(0.85, 0.84, 0.8), 0.85 * df->contrast);
        cairo_stroke(cr);
    } else {
        /* Debris: a copper flake or a light crumb, with a soft edge of dust round it. */
        Rgb col = type == 2 ? rgb(0.85, 0.55, 0.3) : rgb(0.8, 0.78, 0.72);
        blob_path(cr, r, x, y, rad * 1.5, 0.3, rnd_range(r, 0.8, 1.3));
        extent_add_fill(ext, cr);
        set_rgba(cr, col, 0.3 * df->contrast);
        cairo_fill(cr);
        blob_path(cr, r, x, y, rad, 0.45, rnd_range(r, 0.8, 1.3));
        set_rgba(cr, col, 0.95 * df->contrast);
        cairo_fill(cr);
    }
}

static void
draw_burn(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double unit = 1 / sc->scale;
    double rad = MIN(rnd_range(r, 0.03, 0.05) * df->size * unit, 0.3 * df->cap * sc->body_h);
    double x, y;
    body_point(r, sc, 0.2, &x, &y);
    /* Scorched epoxy: a charred, blistered core in an irregular brown halo. */
    blob_path(cr, r, x, y, rad, 0.35, rnd_range(r, 0.8, 1.3));
    extent_add_fill(ext, cr);
    cairo_pattern_t *p = cairo_pattern_create_radial(x, y, 0, x, y, rad * 1.2);
    double a = df->contrast;
    stop_rgba(p, 0.0, rgb(0.03, 0.02, 0.01), 0.95 * a);
    stop_rgba(p, 0.35, rgb(0.22, 0.12, 0.05), 0.9 * a);
    stop_rgba(p, 0.7, rgb(0.45, 0.28, 0.12), 0.55 * a);
    stop_rgba(p, 1.0, rgb(0.45, 0.3, 0.15), 0.0);
    cairo_set_source(cr, p);
    cairo_fill(cr);
    cairo_pattern_destroy(p);
    /* Soot and blisters: dark and light crumbs inside the halo. */
    for (int k = 0; k < 5; k++) {
        double bx = x + rnd_range(r, -0.5, 0.5) * rad, by = y + rnd_range(r, -0.5, 0.5) * rad;
        blob_path(cr, r, bx, by, rad * rnd_range(r, 0.12, 0.25), 0.4, 1.0);
        double v = k < 3 ? 0.02 : 0.55;
        set_rgba(cr, rgb(v, v * 0.8, v * 0.6), 0.7 * a);
        cairo_fill(cr);
    }
}

static void
draw_body(cairo_t *cr, Canvas *cv, const Scene *sc, Defect *df, Extent *ext)
{
    /* Soft shadow: the body grown in three steps, each faint. */
    chip_frame(cr, sc, cv->size, sc->shadow_dx, sc->shadow_dy);
    for (int k = 0; k < 3; k++) {
        double g = 0.3 + 0.5 * k;
        cairo_rectangle(cr, -sc->body_w / 2 - g, -sc->body_h / 2 - g, sc->body_w + 2 * g, sc->body_h + 2 * g);
        set_rgba(cr, rgb(0, 0, 0), sc->shadow_alpha / 3);
        cairo_fill(cr);
    }
    chip_frame(cr, sc, cv->size, 0, 0);

    draw_leads(cr, sc, df, ext);
    /* A chipped corner is drawn by putting back what lay under the missing piece, from a
     * copy taken now. (Cutting the corner out of the body's outline instead would move
     * the end points of its edges, and Cairo's anti-aliasing along the whole edge with
     * them: the defect would show far from where it is.) */
    if (df->kind == DATA_DEFECT_CHIPPED_CORNER)
        surface_copy(cv->under, cv->surface);

    texture_fill(cv->body_texture, sc->texture_seed, sc->body, 0.10, 0.08, 8);
    /* The sides of the moulded body slope down: darker than the flat top face. */
    body_path(cr, sc);
    fill_with_texture(cr, cv->body_texture, 1.0);
    body_path(cr, sc);
    set_rgba(cr, rgb(0, 0, 0), 0.3);
    cairo_fill(cr);

    cairo_save(cr);
    body_path(cr, sc);
    cairo_clip(cr);
    double d = sc->draft;
    cairo_rectangle(cr, -sc->body_w / 2 + d, -sc->body_h / 2 + d, sc->body_w - 2 * d, sc->body_h - 2 * d);
    fill_with_texture(cr, cv->body_texture, 1.0);

    /* Gloss across the top face. */
    cairo_pattern_t *p = cairo_pattern_create_linear(-sc->sheen_x * sc->body_w / 2, -sc->sheen_y * sc->body_h / 2,
                                                     sc->sheen_x * sc->body_w / 2, sc->sheen_y * sc->body_h / 2);
    cairo_pattern_add_color_stop_rgba(p, 0, 1, 1, 1, sc->sheen);
    cairo_pattern_add_color_stop_rgba(p, 1, 1, 1, 1, 0);
    cairo_set_source(cr, p);
    cairo_rectangle(cr, -sc->body_w / 2 + d, -sc->body_h / 2 + d, sc->body_w - 2 * d, sc->body_h - 2 * d);
    cairo_fill(cr);
    cairo_pattern_destroy(p);

    /* Pin-1 marks and ejector-pin dimples: features of every good chip. */
    double small = MIN(sc->body_w, sc->body_h);
    for (int k = 0; k < sc->n_ejectors; k++) {
        ellipse_path(cr, sc->ejector[k][0], sc->ejector[k][1], sc->ejector[k][2], sc->ejector[k][2]);
        set_rgba(cr, rgb_scale(sc->body, 1.25), 0.8);
        cairo_fill(cr);
    }
    if (sc->pin1_style == 1) {
        ellipse_path(cr, -sc->body_w / 2, 0, 0.13 * small, 0.13 * small);
        set_rgba(cr, rgb(0.01, 0.01, 0.01), 0.85);
        cairo_fill(cr);
    }
    if (sc->pin1_style == 2) {
        cairo_rectangle(cr, -sc->body_w / 2, sc->body_h / 2 - 0.2 * sc->body_h, sc->body_w, 0.2 * sc->body_h);
        set_rgba(cr, rgb(1, 1, 1), 0.07);
        cairo_fill(cr);
    } else {
        double dot = 0.09 * small, inset = 0.1 * small + dot;
        double y = sc->package == PACKAGE_QFP ? -sc->body_h / 2 + inset : sc->body_h / 2 - inset;
        ellipse_path(cr, -sc->body_w / 2 + inset, y, dot, dot);
        set_rgba(cr, rgb_scale(sc->body, 0.4), 0.9);
        cairo_fill_preserve(cr);
        cairo_set_line_width(cr, dot * 0.3);
        set_rgba(cr, rgb(1, 1, 1), 0.12);
        cairo_stroke(cr);
    }
    if (sc->specular) {
        cairo_pattern_t *s = cairo_pattern_create_radial(sc->spec_x, sc->spec_y, 0, sc->spec_x, sc->spec_y, sc->spec_r);
        cairo_pattern_add_color_stop_rgba(s, 0, 1, 1, 1, 0.1);
        cairo_pattern_add_color_stop_rgba(s, 1, 1, 1, 1, 0);
        cairo_set_source(cr, s);
        ellipse_path(cr, sc->spec_x, sc->spec_y, sc->spec_r, sc->spec_r);
        cairo_fill(cr);
        cairo_pattern_destroy(s);
    }

    draw_marking(cr, sc, df, ext);

    switch (df->kind) {
    case DATA_DEFECT_CRACK:   draw_crack(cr, sc, df, ext); break;
    case DATA_DEFECT_SCRATCH: draw_scratch(cr, sc, df, ext); break;
    case DATA_DEFECT_BURN_MARK: draw_burn(cr, sc, df, ext); break;
    default: break;
    }
    cairo_restore(cr);

    if (df->kind == DATA_DEFECT_CHIPPED_CORNER) {
        corner_cut_path(cr, sc, df, 1.0);
        fill_with_texture(cr, cv->under, 1.0);
        draw_chipped_face(cr, sc, df, ext);
    }
    if (df->kind == DATA_DEFECT_PARTICLE)
        draw_particle(cr, sc, df, ext);
}

/* ---- the camera: lighting, optics and sensor, in integers (levels x 16) ---- */

static int
blur_radius(int size)
{
    return MAX(1, (size + 48) / 96);
}

/* Separable box blur of (size, size, 3) with edge replication, blended by amount/256. */
static void
box_blur(int *img, int *tmp, int size, int radius, int amount)
{
    int n = 2 * radius + 1;
    for (int y = 0; y < size; y++) {
        for (int c = 0; c < 3; c++) {
            const int *row = img + (gsize) y * size * 3 + c;
            int sum = 0;
            for (int k = -radius; k <= radius; k++)
                sum += row[CLAMP(k, 0, size - 1) * 3];
            for (int x = 0; x < size; x++) {
                tmp[((gsize) y * size + x) * 3 + c] = sum;
                sum += row[MIN(x + radius + 1, size - 1) * 3] - row[MAX(x - radius, 0) * 3];
            }
        }
    }
    for (int x = 0; x < size; x++) {
        for (int c = 0; c < 3; c++) {
            const int *col = tmp + (gsize) x * 3 + c;
            gsize stride = (gsize) size * 3;
            int sum = 0;
            for (int k = -radius; k <= radius; k++)
                sum += col[CLAMP(k, 0, size - 1) * stride];
            for (int y = 0; y < size; y++) {
                int *out = img + (y * stride) + (gsize) x * 3 + c;
                int blurred = sum / (n * n);
                *out = (*out * (256 - amount) + blurred * amount) / 256;
                sum += col[MIN(y + radius + 1, size - 1) * stride] - col[MAX(y - radius, 0) * stride];
            }
        }
    }
}

static void
develop(guint8 *rgb_out, Canvas *cv, const Scene *sc, guint64 seed, int index)
{
    int size = cv->size;
    cairo_surface_flush(cv->surface);
    const guint8 *data = cairo_image_surface_get_data(cv->surface);
    int stride = cairo_image_surface_get_stride(cv->surface);

    /* Exposure x a linear falloff across the frame x vignetting x a colour cast. */
    for (int y = 0; y < size; y++) {
        const guint32 *row = (const guint32 *) (data + (gsize) y * stride);
        double fy = (y + 0.5) / size - 0.5;
        for (int x = 0; x < size; x++) {
            double fx = (x + 0.5) / size - 0.5;
            double light = sc->exposure * (1 + 2 * sc->light_amount * (fx * sc->light_x + fy * sc->light_y))
                           * (1 - sc->vignette * 2 * (fx * fx + fy * fy));
            guint32 p = row[x];
            int *out = cv->work + ((gsize) y * size + x) * 3;
            int m = (int) (light * 4096);
            out[0] = (int) (((p >> 16) & 255) * (int) (m * sc->tint[0]) >> 8);
            out[1] = (int) (((p >> 8) & 255) * (int) (m * sc->tint[1]) >> 8);
            out[2] = (int) ((p & 255) * (int) (m * sc->tint[2]) >> 8);
        }
    }
    int amount = (int) (sc->blur * 256);
    if (amount > 0)
        box_blur(cv->work, cv->blurred, size, blur_radius(size), amount);

    /* Sensor noise: luminance from the sum of four uniform bytes (near Gaussian, sd
     * 147.8) and a little independent chroma noise. */
    nn_rng rng;
    rng_for(&rng, seed, (guint64) index, STREAM_NOISE);
    int lum_q = (int) (sc->noise_sigma * 16 * 256 / 147.8);
    int chroma_q = lum_q / 3;
    gsize n = (gsize) size * size;
    for (gsize i = 0; i < n; i++) {
        guint64 bits = nn_rng_next(&rng);
        int lum = (int) (bits & 255) + (int) ((bits >> 8) & 255) + (int) ((bits >> 16) & 255)
                  + (int) ((bits >> 24) & 255) - 510;
        int noise = lum * lum_q / 256;
        for (int c = 0; c < 3; c++) {
            int chroma = ((int) ((bits >> (32 + 8 * c)) & 255) - 128) * chroma_q / 128;
            int v = CLAMP(cv->work[i * 3 + c] + noise + chroma, 0, 255 * 16);
            rgb_out[i * 3 + c] = (guint8) ((v + 8) >> 4);
        }
    }
}

static void
draw_with_canvas(guint8 *rgb_out, Canvas *cv, double difficulty, guint64 seed, int index,
                 int defect, DataSyntheticBox *box)
{
    Scene sc;
    Defect df;
    Extent ext = { 0 };
    scene_sample(&sc, seed, index, difficulty);
    defect_sample(&df, &sc, defect, difficulty, seed, index);

    cairo_t *cr = cairo_create(cv->surface);
    draw_backdrop(cr, cv, &sc);
    draw_body(cr, cv, &sc, &df, box ? &ext : NULL);
    cairo_destroy(cr);
    develop(rgb_out, cv, &sc, seed, index);

    if (box != NULL) {
        *box = (DataSyntheticBox) { 0 };
        if (ext.any) {
            /* Anti-aliasing reaches one pixel out, the blur `radius` more. */
            int grow = 1 + (sc.blur > 0 ? blur_radius(cv->size) : 0);
            int x0 = MAX(0, (int) floor(ext.x0) - grow), y0 = MAX(0, (int) floor(ext.y0) - grow);
            int x1 = MIN(cv->size, (int) ceil(ext.x1) + grow), y1 = MIN(cv->size, (int) ceil(ext.y1) + grow);
            if (x1 > x0 && y1 > y0)
                *box = (DataSyntheticBox) { x0, y0, x1 - x0, y1 - y0 };
        }
    }
}

void
data_synthetic_draw(guint8 *rgb_out, int size, double difficulty, guint64 seed, int index,
                    int defect, DataSyntheticBox *box)
{
    g_return_if_fail(rgb_out != NULL);
    g_return_if_fail(size >= DATA_SYNTHETIC_MIN_SIZE && size <= DATA_SYNTHETIC_MAX_SIZE);
    g_return_if_fail(defect >= -1 && defect < DATA_N_DEFECTS);
    Canvas *cv = canvas_new(size);
    draw_with_canvas(rgb_out, cv, CLAMP(difficulty, 0.0, 1.0), seed, index, defect, box);
    canvas_free(cv);
}

/* ---- the dataset ---- */

static gboolean
params_validate(const DataSyntheticParams *p, GError **error)
{
    const char *bad = NULL;
    char *range = NULL;
    if (p->images_per_class < 1 || p->images_per_class > DATA_SYNTHETIC_MAX_PER_CLASS)
        bad = "images_per_class", range = g_strdup_printf("1..%d", DATA_SYNTHETIC_MAX_PER_CLASS);
    else if (p->size < DATA_SYNTHETIC_MIN_SIZE || p->size > DATA_SYNTHETIC_MAX_SIZE)
        bad = "size", range = g_strdup_printf("%d..%d", DATA_SYNTHETIC_MIN_SIZE, DATA_SYNTHETIC_MAX_SIZE);
    else if (!(p->difficulty >= 0.0 && p->difficulty <= 1.0))
        bad = "difficulty", range = g_strdup("0..1");
    else if (!(p->label_noise >= 0.0 && p->label_noise <= 0.5))
        bad = "label_noise", range = g_strdup("0..0.5");
    else if (p->threads < 0 || p->threads > 1024)
        bad = "threads", range = g_strdup("0 (all cores)..1024");
    if (bad != NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Synthetic dataset: %s must be in %s", bad, range);
        g_free(range);
        return FALSE;
    }
    /* Refuse rather than abort in the allocator (or thrash): the pixels must fit in half
     * of this machine's memory. */
    double bytes = (double) p->images_per_class * (p->multiclass ? 1 + DATA_N_DEFECTS : 2)
                   * p->size * p->size * 3;
    double ram = (double) sysconf(_SC_PHYS_PAGES) * (double) sysconf(_SC_PAGESIZE);
    if (ram > 0 && bytes > ram / 2) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Synthetic dataset: images_per_class %d at size %d needs %.1f GiB, more "
                    "than half of this machine's %.1f GiB",
                    p->images_per_class, p->size, bytes / (1 << 30), ram / (1 << 30));
        return FALSE;
    }
    return TRUE;
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

typedef struct {
    DataSet *set;
    const int *defect_of;       /* (count): DataDefectKind or -1 */
    double difficulty;
    guint64 seed;
    gint next;                  /* atomic: the next image nobody has taken */
    gint done;                  /* atomic */
    DataProgressFunc progress;
    gpointer progress_data;
    GCancellable *cancellable;
} Job;

/* Workers take images one at a time from a shared counter. Which thread draws an image
 * does not matter: its pixels depend on (seed, index) alone. */
static gpointer
job_worker(gpointer data)
{
    Job *job = data;
    DataSet *set = job->set;
    Canvas *cv = canvas_new(set->width);
    while (!g_cancellable_is_cancelled(job->cancellable)) {
        int i = g_atomic_int_add(&job->next, 1);
        if (i >= set->count)
            break;
        draw_with_canvas(data_set_image(set, i), cv, job->difficulty, job->seed, i,
                         job->defect_of[i], NULL);
        int done = g_atomic_int_add(&job->done, 1) + 1;
        if (job->progress != NULL)
            job->progress(done, set->count, job->progress_data);
    }
    canvas_free(cv);
    return NULL;
}

/* Relabels exactly round(fraction * count) images, chosen by a seeded partial shuffle,
 * each to a uniformly chosen other class. */
static void
apply_label_noise(DataSet *set, double fraction, guint64 seed)
{
    int n_flip = (int) floor(fraction * set->count + 0.5);
    if (n_flip == 0 || set->num_classes < 2)
        return;
    nn_rng rng;
    rng_for(&rng, seed, LABEL_NOISE_INDEX, 0);
    int *order = g_new(int, set->count);
    for (int i = 0; i < set->count; i++)
        order[i] = i;
    for (int k = 0; k < n_flip; k++) {
        int j = k + rnd_int(&rng, set->count - k);
        int t = order[k];
        order[k] = order[j];
        order[j] = t;
        int i = order[k];
        set->labels[i] = (set->labels[i] + 1 + rnd_int(&rng, set->num_classes - 1)) % set->num_classes;
    }
    g_free(order);
}

DataSet *
data_synthetic_generate(const DataSyntheticParams *params, DataProgressFunc progress,
                        gpointer progress_data, GCancellable *cancellable, GError **error)
{
    g_return_val_if_fail(params != NULL, NULL);
    g_return_val_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable), NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!params_validate(params, error))
        return NULL;
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;

    int num_classes = params->multiclass ? 1 + DATA_N_DEFECTS : 2;
    int count = num_classes * params->images_per_class;
    DataSet *set = data_set_new(count, params->size, params->size, num_classes);
    set->class_names[0] = g_strdup("good");
    if (params->multiclass) {
        for (int k = 0; k < DATA_N_DEFECTS; k++)
            set->class_names[1 + k] = g_strdup(defect_names[k]);
    } else {
        set->class_names[1] = g_strdup("defect");
    }

    int *defect_of = g_new(int, count);
    for (int i = 0; i < count; i++) {
        int c = i % num_classes;
        set->labels[i] = c;
        if (c == 0) {
            defect_of[i] = -1;
        } else if (params->multiclass) {
            defect_of[i] = c - 1;
        } else {
            nn_rng rng;
            rng_for(&rng, params->seed, (guint64) i, STREAM_KIND);
            defect_of[i] = kind_sample(&rng, params->difficulty);
        }
    }

    Job job = {
        .set = set,
        .defect_of = defect_of,
        .difficulty = params->difficulty,
        .seed = params->seed,
        .progress = progress,
        .progress_data = progress_data,
        .cancellable = cancellable,
    };
    int n_threads = params->threads > 0 ? params->threads : (int) g_get_num_processors();
    n_threads = CLAMP(n_threads, 1, count);
    GThread **threads = g_new0(GThread *, n_threads);
    for (int t = 1; t < n_threads; t++)
        threads[t] = g_thread_new("lrlab-synthetic", job_worker, &job);
    job_worker(&job);   /* the calling thread is worker 0 */
    for (int t = 1; t < n_threads; t++)
        g_thread_join(threads[t]);
    g_free(threads);
    g_free(defect_of);

    if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
        data_set_unref(set);
        return NULL;
    }

    apply_label_noise(set, params->label_noise, params->seed);
    for (int i = 0; i < count; i++)
        set->sources[i] = g_strdup_printf("synthetic/%s/%06d", set->class_names[set->labels[i]], i);
    return set;
}

/* ---- export ---- */

gboolean
data_synthetic_export(const DataSet *set, const char *dir, GError **error)
{
    g_return_val_if_fail(set != NULL, FALSE);
    g_return_val_if_fail(dir != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    for (int c = 0; c < set->num_classes; c++) {
        g_autofree char *class_dir = g_build_filename(dir, set->class_names[c], NULL);
        if (g_mkdir_with_parents(class_dir, 0755) != 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        "Cannot create folder %s: %s", class_dir, g_strerror(saved));
            return FALSE;
        }
    }
    for (int i = 0; i < set->count; i++) {
        /* Keep the number the source name carries, so exported files trace back. */
        const char *src = set->sources[i];
        const char *slash = src != NULL ? strrchr(src, '/') : NULL;
        g_autofree char *base = g_str_has_prefix(src ? src : "", "synthetic/") && slash != NULL
                                ? g_strdup_printf("%s.png", slash + 1)
                                : g_strdup_printf("%06d.png", i);
        g_autofree char *path = g_build_filename(dir, set->class_names[set->labels[i]], base, NULL);
        /* The pixbuf only reads the pixels; the cast drops const for its constructor. */
        g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data(
            (guint8 *) data_set_image(set, i), GDK_COLORSPACE_RGB, FALSE, 8, set->width,
            set->height, set->width * 3, NULL, NULL);
        if (!gdk_pixbuf_save(pixbuf, path, "png", error, NULL)) {
            g_prefix_error(error, "Cannot write %s: ", path);
            return FALSE;
        }
    }
    return TRUE;
}
