/* data_synthetic_defects: draws the eight defect kinds onto a chip being drawn, and
 * records where each went (the box a defect detector, or Grad-CAM, is judged by). Pins
 * are drawn with the leads (data_synthetic_draw.c); the rest here, at the stage of the
 * chip they belong to: the marking, the top face, or over the finished chip. */
#include "data_synthetic_private.h"

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

void
synthetic_extent_add_fill(Extent *e, cairo_t *cr)
{
    if (e == NULL)
        return;
    double x0, y0, x1, y1;
    cairo_fill_extents(cr, &x0, &y0, &x1, &y1);
    extent_add_box(e, cr, x0, y0, x1, y1);
}

void
synthetic_extent_add_stroke(Extent *e, cairo_t *cr)
{
    if (e == NULL)
        return;
    double x0, y0, x1, y1;
    cairo_stroke_extents(cr, &x0, &y0, &x1, &y1);
    extent_add_box(e, cr, x0, y0, x1, y1);
}

/* ---- chipped corner ---- */

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

/* The fracture face of a chipped corner: the lighter filler exposed along the break. */
static void
draw_chipped_face(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    cairo_save(cr);
    cairo_new_path(cr);
    /* Clipped to what is left of the body: the body minus the piece (even-odd). */
    synthetic_body_path(cr, sc);
    corner_cut_path(cr, sc, df, 1.0);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    corner_cut_path(cr, sc, df, 1.6);
    synthetic_extent_add_fill(ext, cr);
    double v = rnd_range(&df->rng, 0.38, 0.6);
    set_rgba(cr, rgb(v, v * 0.97, v * 0.93), 0.9 * df->contrast);
    cairo_fill(cr);
    cairo_restore(cr);
}

/* ---- marking ---- */

void
synthetic_draw_bad_marking(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    /* The box holds where the print should have been, whatever is left of it. */
    synthetic_marking_path(cr, sc, -1, -1, 0, 0);
    synthetic_extent_add_fill(ext, cr);
    cairo_new_path(cr);
    double variant = rnd(r);
    if (variant < 0.3) {
        /* Not printed at all (or so faint it might as well not be). */
        synthetic_marking_path(cr, sc, -1, -1, 0, 0);
        set_rgba(cr, sc->mark, sc->mark_alpha * 0.25 * (1 - df->contrast));
        cairo_fill(cr);
    } else if (variant < 0.55) {
        /* Partly missing: one whole line, or the end of each line. */
        if (rnd_chance(r, 0.5))
            synthetic_marking_path(cr, sc, rnd_int(r, sc->n_mark_lines), -1, 0, 0);
        else
            synthetic_marking_path(cr, sc, -1, 1 + rnd_int(r, 3), 0, 0);
        set_rgba(cr, sc->mark, sc->mark_alpha);
        cairo_fill(cr);
    } else {
        /* Smeared: the print dragged sideways before it cured, as a trail of copies. */
        double s, c;
        double angle = rnd_range(r, -0.6, 0.6);
        angle += rnd_chance(r, 0.5) ? 0 : G_PI;
        synthetic_sincos(angle, &s, &c);
        double len = rnd_range(r, 0.04, 0.09) * df->size / sc->scale;
        int steps = 6;
        for (int k = steps; k >= 0; k--) {
            double t = (double) k / steps;
            synthetic_marking_path(cr, sc, -1, -1, c * len * t, s * len * t);
            synthetic_extent_add_fill(ext, cr);
            set_rgba(cr, sc->mark, sc->mark_alpha * (k == 0 ? 0.6 : 0.35 * df->contrast));
            cairo_fill(cr);
        }
    }
}

/* ---- on the top face, and over the chip ---- */

/* A random point on the body, at least `inset` (fraction) away from its edges. */
static void
body_point(nn_rng *r, const Scene *sc, double inset, double *x, double *y)
{
    *x = rnd_range(r, -0.5 + inset, 0.5 - inset) * sc->body_w;
    *y = rnd_range(r, -0.5 + inset, 0.5 - inset) * sc->body_h;
}

/* A colour stop of a gradient. */
typedef struct {
    double offset;
    Rgb color;
    double alpha;
} Stop;

/* Fills the current path with a radial gradient from (fx, fy) (the focus, radius 0) out
 * to the circle (x, y, r). */
static void
fill_radial(cairo_t *cr, double fx, double fy, double x, double y, double r,
            const Stop *stops, int n_stops)
{
    cairo_pattern_t *p = cairo_pattern_create_radial(fx, fy, 0, x, y, r);
    for (int k = 0; k < n_stops; k++)
        stop_rgba(p, stops[k].offset, stops[k].color, stops[k].alpha);
    cairo_set_source(cr, p);
    cairo_fill(cr);
    cairo_pattern_destroy(p);
}

/* Where a round defect goes and how big: its radius (lo..hi, at most about `cap` of the
 * body's height, loosened at low difficulty), then its centre on the body, at least
 * `inset` (fraction) from the edges. */
static double
round_defect_place(Defect *df, const Scene *sc, double lo, double hi, double cap,
                   double inset, double *x, double *y)
{
    double rad = synthetic_defect_capped_length(df, sc, lo, hi, cap * df->cap * sc->body_h);
    body_point(&df->rng, sc, inset, x, y);
    return rad;
}

static void
draw_crack(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double unit = 1 / sc->scale;
    double len = synthetic_defect_length(df, sc, 0.08, 0.16);
    double x, y, dir = rnd(r) * 2 * G_PI;
    body_point(r, sc, 0.15, &x, &y);
    int n = 5 + rnd_int(r, 3);
    cairo_move_to(cr, x, y);
    for (int k = 0; k < n; k++) {
        double s, c;
        dir += rnd_range(r, -0.7, 0.7);
        synthetic_sincos(dir, &s, &c);
        x += c * len / n;
        y += s * len / n;
        cairo_line_to(cr, x, y);
    }
    double w = rnd_range(r, 0.008, 0.012) * (0.6 + 0.2 * df->size) * unit;
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
    /* Stress-whitened lips either side, then the dark gap. */
    cairo_set_line_width(cr, 2.6 * w);
    synthetic_extent_add_stroke(ext, cr);
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
    double len = synthetic_defect_length(df, sc, 0.1, 0.2);
    double x, y, s, c;
    body_point(r, sc, 0.1, &x, &y);
    synthetic_sincos(rnd(r) * 2 * G_PI, &s, &c);
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
    synthetic_extent_add_stroke(ext, cr);
    double v = rnd_range(r, 0.6, 0.85);
    set_rgba(cr, rgb(v, v, v), rnd_range(r, 0.55, 0.8) * df->contrast);
    cairo_stroke(cr);
}

static void
draw_particle(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double x, y;
    /* On the body, or among the leads (a solder ball bridging two of them). */
    double rad = round_defect_place(df, sc, 0.013, 0.022, 0.15, 0.05, &x, &y);
    int type = rnd_int(r, 4);
    if (type == 0) {
        const Lead *l = &sc->leads[rnd_int(r, sc->n_leads)];
        /* Between two leads, where a bridge shorts them. */
        double side = (rnd_chance(r, 0.5) ? 0.5 : -0.5) * sc->pitch;
        double along = sc->lead_len * rnd_range(r, 0.3, 0.9);
        synthetic_lead_point(l, along, side, &x, &y);
        rad = MAX(rad * 0.7, sc->pitch * 0.55);
        synthetic_ellipse_path(cr, x, y, rad, rad);
        synthetic_extent_add_fill(ext, cr);
        const Stop solder[] = {
            { 0, rgb(1, 1, 1), 1 }, { 0.35, rgb(0.75, 0.75, 0.72), 1 }, { 1, rgb(0.3, 0.3, 0.3), 1 },
        };
        fill_radial(cr, x - rad * 0.35, y - rad * 0.35, x, y, rad, solder, G_N_ELEMENTS(solder));
    } else if (type == 1) {
        /* A fibre: a thin light curl. */
        double s, c, len = rad * rnd_range(r, 4, 7);
        synthetic_sincos(rnd(r) * 2 * G_PI, &s, &c);
        cairo_move_to(cr, x - c * len / 2, y - s * len / 2);
        double bend[4];
        for (int k = 3; k >= 0; k--)
            bend[k] = rnd_range(r, -0.6, 0.6) * len;
        cairo_curve_to(cr, x + s * bend[0], y - c * bend[1], x - s * bend[2], y + c * bend[3],
                       x + c * len / 2, y + s * len / 2);
        cairo_set_line_width(cr, rad * 0.35);
        synthetic_extent_add_stroke(ext, cr);
        set_rgba(cr, rgb(0.85, 0.84, 0.8), 0.85 * df->contrast);
        cairo_stroke(cr);
    } else {
        /* Debris: a copper flake or a light crumb, with a soft edge of dust round it. */
        Rgb col = type == 2 ? rgb(0.85, 0.55, 0.3) : rgb(0.8, 0.78, 0.72);
        synthetic_blob_path(cr, r, x, y, rad * 1.5, 0.3, rnd_range(r, 0.8, 1.3));
        synthetic_extent_add_fill(ext, cr);
        set_rgba(cr, col, 0.3 * df->contrast);
        cairo_fill(cr);
        synthetic_blob_path(cr, r, x, y, rad, 0.45, rnd_range(r, 0.8, 1.3));
        set_rgba(cr, col, 0.95 * df->contrast);
        cairo_fill(cr);
    }
}

static void
draw_burn(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    nn_rng *r = &df->rng;
    double x, y;
    double rad = round_defect_place(df, sc, 0.03, 0.05, 0.3, 0.2, &x, &y);
    /* Scorched epoxy: a charred, blistered core in an irregular brown halo. */
    synthetic_blob_path(cr, r, x, y, rad, 0.35, rnd_range(r, 0.8, 1.3));
    synthetic_extent_add_fill(ext, cr);
    double a = df->contrast;
    const Stop scorch[] = {
        { 0.0, rgb(0.03, 0.02, 0.01), 0.95 * a }, { 0.35, rgb(0.22, 0.12, 0.05), 0.9 * a },
        { 0.7, rgb(0.45, 0.28, 0.12), 0.55 * a }, { 1.0, rgb(0.45, 0.3, 0.15), 0.0 },
    };
    fill_radial(cr, x, y, x, y, rad * 1.2, scorch, G_N_ELEMENTS(scorch));
    /* Soot and blisters: dark and light crumbs inside the halo. */
    for (int k = 0; k < 5; k++) {
        double bx = x + rnd_range(r, -0.5, 0.5) * rad, by = y + rnd_range(r, -0.5, 0.5) * rad;
        synthetic_blob_path(cr, r, bx, by, rad * rnd_range(r, 0.12, 0.25), 0.4, 1.0);
        double v = k < 3 ? 0.02 : 0.55;
        set_rgba(cr, rgb(v, v * 0.8, v * 0.6), 0.7 * a);
        cairo_fill(cr);
    }
}

void
synthetic_draw_face_defect(cairo_t *cr, const Scene *sc, Defect *df, Extent *ext)
{
    switch (df->kind) {
    case DATA_DEFECT_CRACK:   draw_crack(cr, sc, df, ext); break;
    case DATA_DEFECT_SCRATCH: draw_scratch(cr, sc, df, ext); break;
    case DATA_DEFECT_BURN_MARK: draw_burn(cr, sc, df, ext); break;
    default: break;
    }
}

void
synthetic_draw_over_defect(cairo_t *cr, Canvas *cv, const Scene *sc, Defect *df, Extent *ext)
{
    if (df->kind == DATA_DEFECT_CHIPPED_CORNER) {
        corner_cut_path(cr, sc, df, 1.0);
        synthetic_fill_with_texture(cr, cv->under, 1.0);
        draw_chipped_face(cr, sc, df, ext);
    }
    if (df->kind == DATA_DEFECT_PARTICLE)
        draw_particle(cr, sc, df, ext);
}
