/* data_synthetic_private: what the synthetic IC-chip generator's files share. A scene
 * (the chip, its backdrop, light and camera) and a defect are sampled from the seed
 * (data_synthetic_scene.c), drawn with Cairo (data_synthetic_draw.c, the defects in
 * data_synthetic_defects.c), then developed by the camera model (data_synthetic_camera.c);
 * data_synthetic.c runs that pipeline per image on every core. Names here start with
 * synthetic_ (not data_): none of them leaves src/data. */
#pragma once

/* Byte-identical images on every machine: with -march=native GCC would fuse a*b+c into
 * FMA instructions where the CPU has them, and the last bit of a coordinate can move an
 * anti-aliased edge by one level. Plain IEEE + - * / sqrt are the same everywhere. For the
 * same reason sin/cos come from synthetic_sincos (glibc picks an FMA variant at run time)
 * and we never ask Cairo for arcs, rotations or round joins, which call libm inside.
 * The pragma is here, first, so that no file of the generator can forget it. */
#if defined(__clang__)
#pragma clang fp contract(off)   /* clang's spelling of it */
#else
#pragma GCC optimize ("fp-contract=off")
#endif

#include <math.h>
#include <string.h>
#include <cairo.h>
#include "nn_rng.h"
#include "data_synthetic.h"

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

/* The number of classes: good, then defect (or one per defect kind). */
static inline int
synthetic_num_classes(const DataSyntheticParams *p)
{
    return p->multiclass ? 1 + DATA_N_DEFECTS : 2;
}

/* ---- randomness and arithmetic that is the same on every machine ---- */

/* Each draw is a statement of its own, never two in one call's arguments or one
 * operator's operands: C leaves their order unspecified, and `rgb(rnd(r), rnd(r),
 * rnd(r))` drew in another order under clang than under gcc, so the same seed made other
 * chips (81% of the pixels of test_synthetic's set differed). Draw into locals first. */
static inline double
rnd(nn_rng *r)
{
    return nn_rng_uniform(r);
}

static inline double
rnd_range(nn_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * nn_rng_uniform(r);
}

static inline int
rnd_int(nn_rng *r, int n)
{
    return (int) ((nn_rng_next(r) >> 11) % (guint64) n);
}

static inline gboolean
rnd_chance(nn_rng *r, double p)
{
    return nn_rng_uniform(r) < p;
}

static inline void
rng_for(nn_rng *r, guint64 seed, guint64 index, guint64 stream)
{
    nn_rng_seed(r, nn_rng_mix(seed, index, stream));
}

/* sin and cos from + - * / only (see the pragma above). */
void synthetic_sincos(double a, double *s, double *c);

/* ---- colours ---- */

static inline Rgb
rgb(double r, double g, double b)
{
    return (Rgb) { r, g, b };
}

static inline Rgb
rgb_scale(Rgb c, double k)
{
    return rgb(MIN(c.r * k, 1.0), MIN(c.g * k, 1.0), MIN(c.b * k, 1.0));
}

static inline Rgb
rgb_mix(Rgb a, Rgb b, double t)
{
    return rgb(a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t);
}

static inline void
set_rgba(cairo_t *cr, Rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static inline void
stop_rgba(cairo_pattern_t *p, double offset, Rgb c, double alpha)
{
    cairo_pattern_add_color_stop_rgba(p, offset, c.r, c.g, c.b, alpha);
}

/* ---- sampling (data_synthetic_scene.c) ---- */

/* Everything about image `index` under `seed` but its defect, from STREAM_SCENE. */
void synthetic_scene_sample(Scene *sc, guint64 seed, int index, double difficulty);
/* The parameters of a defect of `kind` (or -1) on scene sc, from STREAM_DEFECT; df->rng
 * is left for the shapes drawn on the fly. */
void synthetic_defect_sample(Defect *df, const Scene *sc, int kind, double difficulty,
                             guint64 seed, int index);
/* lo..hi of the image side (from df->rng) times the defect's size, in millimetres; the
 * capped one for extents the body limits (see there: it draws twice, as it always did). */
double synthetic_defect_length(Defect *df, const Scene *sc, double lo, double hi);
double synthetic_defect_capped_length(Defect *df, const Scene *sc, double lo, double hi,
                                      double cap);

/* ---- drawing (data_synthetic_draw.c) ---- */

/* The backdrop (texture, tray or PCB, dust) over the whole canvas surface. */
void synthetic_draw_backdrop(cairo_t *cr, Canvas *cv, const Scene *sc);
/* The chip: shadow, leads, body, marks and the defect. ext (may be NULL) grows by every
 * mark the defect makes. */
void synthetic_draw_chip(cairo_t *cr, Canvas *cv, const Scene *sc, Defect *df, Extent *ext);

/* Shapes the defects reuse; chip millimetres unless said otherwise. */
void synthetic_ellipse_path(cairo_t *cr, double x, double y, double rx, double ry);
void synthetic_blob_path(cairo_t *cr, nn_rng *rng, double x, double y, double r,
                         double irregularity, double stretch);
void synthetic_body_path(cairo_t *cr, const Scene *sc);
void synthetic_lead_point(const Lead *l, double u, double v, double *x, double *y);
void synthetic_marking_path(cairo_t *cr, const Scene *sc, int skip_line, int skip_from,
                            double dx, double dy);
void synthetic_fill_with_texture(cairo_t *cr, cairo_surface_t *texture, double alpha);

/* ---- the defects (data_synthetic_defects.c) ---- */

/* Where the defect's marks go, in device pixels; e may be NULL (nobody asked). */
void synthetic_extent_add_fill(Extent *e, cairo_t *cr);
void synthetic_extent_add_stroke(Extent *e, cairo_t *cr);

/* The defect of a bad marking: the print missing, partly missing or smeared. */
void synthetic_draw_bad_marking(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext);
/* Defects in the body's top face (crack, scratch, burn), drawn clipped to the body. */
void synthetic_draw_face_defect(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext);
/* Defects drawn over the finished chip (chipped corner, particle). */
void synthetic_draw_over_defect(cairo_t *cr, Canvas *cv, const Scene *sc, Defect *df,
                                Extent *ext);

/* ---- the camera (data_synthetic_camera.c) ---- */

/* The canvas surface as the camera records it into rgb (size, size, 3): exposure,
 * lighting, blur and sensor noise (STREAM_NOISE). */
void synthetic_camera_develop(guint8 *rgb, Canvas *cv, const Scene *sc, guint64 seed,
                              int index);
/* The pixels an extent drawn on the canvas reaches in the developed image. */
DataSyntheticBox synthetic_camera_box(const Extent *ext, const Scene *sc, int size);
