/* data_synthetic_draw: draws a sampled scene with Cairo: the backdrop (tray, PCB, stage),
 * the package with its leads, moulded body, pin-1 marks and laser marking. Defects are
 * drawn by data_synthetic_defects.c at the points of the chip where they belong. */
#include "data_synthetic_private.h"

/* ---- paths ---- */

/* An ellipse from four cubic Béziers (cairo_arc would call libm). */
void
synthetic_ellipse_path(cairo_t *cr, double x, double y, double rx, double ry)
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
void
synthetic_blob_path(cairo_t *cr, nn_rng *rng, double x, double y, double r,
                    double irregularity, double stretch)
{
    enum { N = 9 };
    double px[N], py[N];
    double phase = rnd(rng) * 2 * G_PI;
    for (int k = 0; k < N; k++) {
        double s, c;
        synthetic_sincos(phase + k * (2 * G_PI / N), &s, &c);
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

/* ---- textures ---- */

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
void
synthetic_fill_with_texture(cairo_t *cr, cairo_surface_t *texture, double alpha)
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

/* ---- the chip frame and its leads ---- */

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
void
synthetic_lead_point(const Lead *l, double u, double v, double *x, double *y)
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
        synthetic_lead_point(l, uk, vk, &x, &y);
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
        synthetic_extent_add_fill(ext, cr);
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

/* ---- the backdrop ---- */

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
        synthetic_lead_point(l, L + 0.4, 0, &x, &y);
        cairo_move_to(cr, x, y);
        synthetic_lead_point(l, L + a, 0, &x, &y);
        cairo_line_to(cr, x, y);
        synthetic_lead_point(l, L + a + 2, 2 * turn, &x, &y);
        cairo_line_to(cr, x, y);
        synthetic_lead_point(l, L + a + far, 2 * turn, &x, &y);
        cairo_line_to(cr, x, y);
    }
    for (int k = rnd_int(r, 4); k > 0; k--) {   /* traces passing by */
        double sign = rnd_chance(r, 0.5) ? 1 : -1;
        double off = sign * (hy + L + rnd_range(r, 1.5, 0.5 / sc->scale));
        cairo_move_to(cr, -far, off);
        cairo_line_to(cr, far, off);
    }
    set_rgba(cr, copper, 1);
    cairo_stroke(cr);

    for (int k = rnd_int(r, 6); k > 0; k--) {   /* vias */
        double x = rnd_range(r, -0.6, 0.6) / sc->scale, y = rnd_range(r, -0.6, 0.6) / sc->scale;
        if (fabs(x) < hx + L + 1 && fabs(y) < hy + L + 1)
            continue;
        synthetic_ellipse_path(cr, x, y, 0.45, 0.45);
        set_rgba(cr, sc->pad, 1);
        cairo_fill(cr);
        synthetic_ellipse_path(cr, x, y, 0.2, 0.2);
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
    synthetic_ellipse_path(cr, -sx - 0.8, sc->package == PACKAGE_QFP ? -sy : sy, 0.35, 0.35);
    cairo_fill(cr);

    /* Pads: still there under a missing lead, which is how an inspector spots it. */
    for (int k = 0; k < sc->n_leads; k++) {
        const Lead *l = &sc->leads[k];
        if (sc->package == PACKAGE_DIP) {
            double x, y;
            synthetic_lead_point(l, 0.75 * L, 0, &x, &y);
            synthetic_ellipse_path(cr, x, y, 0.85, 0.85);
        } else {
            double w = sc->lead_w / 2 + 0.12, x, y;
            synthetic_lead_point(l, 0.2 * L, -w, &x, &y);
            cairo_move_to(cr, x, y);
            synthetic_lead_point(l, L + 0.5, -w, &x, &y);
            cairo_line_to(cr, x, y);
            synthetic_lead_point(l, L + 0.5, w, &x, &y);
            cairo_line_to(cr, x, y);
            synthetic_lead_point(l, 0.2 * L, w, &x, &y);
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

void
synthetic_draw_backdrop(cairo_t *cr, Canvas *cv, const Scene *sc)
{
    nn_rng rng;
    nn_rng_seed(&rng, sc->backdrop_seed);
    double mottle = sc->backdrop == BACKDROP_STAGE ? 0.06 : 0.12;
    double grain = sc->backdrop == BACKDROP_DARK ? 0.25 : 0.06;
    int blobs = 4 + rnd_int(&rng, 6);
    guint64 texture_seed = nn_rng_next(&rng);
    texture_fill(cv->backdrop_texture, texture_seed, sc->backdrop_color, mottle, grain, blobs);
    cairo_rectangle(cr, 0, 0, cv->size, cv->size);
    synthetic_fill_with_texture(cr, cv->backdrop_texture, 1.0);

    chip_frame(cr, sc, cv->size, 0, 0);
    if (sc->backdrop == BACKDROP_PCB)
        draw_pcb(cr, sc, &rng);
    else if (sc->backdrop == BACKDROP_TRAY)
        draw_tray(cr, sc, &rng);

    /* Harmless specks of dust on the backdrop, so that "a small blob somewhere" alone
     * does not mean "particle defect". */
    for (int k = rnd_int(&rng, 4); k > 0; k--) {
        double x = rnd_range(&rng, -0.7, 0.7) / sc->scale, y = rnd_range(&rng, -0.7, 0.7) / sc->scale;
        synthetic_blob_path(cr, &rng, x, y, rnd_range(&rng, 0.005, 0.015) / sc->scale, 0.4, 1.0);
        double v = rnd_chance(&rng, 0.5) ? 0.85 : 0.05;
        set_rgba(cr, rgb(v, v, v), rnd_range(&rng, 0.2, 0.5));
        cairo_fill(cr);
    }
}

/* ---- the body and its marking ---- */

void
synthetic_body_path(cairo_t *cr, const Scene *sc)
{
    cairo_rectangle(cr, -sc->body_w / 2, -sc->body_h / 2, sc->body_w, sc->body_h);
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
void
synthetic_marking_path(cairo_t *cr, const Scene *sc, int skip_line, int skip_from, double dx,
                       double dy)
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

/* The laser marking as printed on a good chip. */
static void
draw_marking(cairo_t *cr, const Scene *sc)
{
    synthetic_marking_path(cr, sc, -1, -1, 0, 0);
    set_rgba(cr, sc->mark, sc->mark_alpha);
    cairo_fill(cr);
}

/* Soft shadow: the body grown in three steps, each faint. */
static void
draw_shadow(cairo_t *cr, Canvas *cv, const Scene *sc)
{
    chip_frame(cr, sc, cv->size, sc->shadow_dx, sc->shadow_dy);
    for (int k = 0; k < 3; k++) {
        double g = 0.3 + 0.5 * k;
        cairo_rectangle(cr, -sc->body_w / 2 - g, -sc->body_h / 2 - g, sc->body_w + 2 * g, sc->body_h + 2 * g);
        set_rgba(cr, rgb(0, 0, 0), sc->shadow_alpha / 3);
        cairo_fill(cr);
    }
}

/* The sides of the moulded body slope down: darker than the flat top face. */
static void
draw_body_sides(cairo_t *cr, Canvas *cv, const Scene *sc)
{
    texture_fill(cv->body_texture, sc->texture_seed, sc->body, 0.10, 0.08, 8);
    synthetic_body_path(cr, sc);
    synthetic_fill_with_texture(cr, cv->body_texture, 1.0);
    synthetic_body_path(cr, sc);
    set_rgba(cr, rgb(0, 0, 0), 0.3);
    cairo_fill(cr);
}

/* The top face (clipped to the body by the caller) with the features of every good chip:
 * gloss, ejector-pin dimples, pin-1 marks and now and then a specular highlight. */
static void
draw_top_face(cairo_t *cr, Canvas *cv, const Scene *sc)
{
    double d = sc->draft;
    cairo_rectangle(cr, -sc->body_w / 2 + d, -sc->body_h / 2 + d, sc->body_w - 2 * d, sc->body_h - 2 * d);
    synthetic_fill_with_texture(cr, cv->body_texture, 1.0);

    /* Gloss across the top face. */
    cairo_pattern_t *p = cairo_pattern_create_linear(-sc->sheen_x * sc->body_w / 2, -sc->sheen_y * sc->body_h / 2,
                                                     sc->sheen_x * sc->body_w / 2, sc->sheen_y * sc->body_h / 2);
    cairo_pattern_add_color_stop_rgba(p, 0, 1, 1, 1, sc->sheen);
    cairo_pattern_add_color_stop_rgba(p, 1, 1, 1, 1, 0);
    cairo_set_source(cr, p);
    cairo_rectangle(cr, -sc->body_w / 2 + d, -sc->body_h / 2 + d, sc->body_w - 2 * d, sc->body_h - 2 * d);
    cairo_fill(cr);
    cairo_pattern_destroy(p);

    /* Pin-1 marks and ejector-pin dimples. */
    double small = MIN(sc->body_w, sc->body_h);
    for (int k = 0; k < sc->n_ejectors; k++) {
        synthetic_ellipse_path(cr, sc->ejector[k][0], sc->ejector[k][1], sc->ejector[k][2], sc->ejector[k][2]);
        set_rgba(cr, rgb_scale(sc->body, 1.25), 0.8);
        cairo_fill(cr);
    }
    if (sc->pin1_style == 1) {
        synthetic_ellipse_path(cr, -sc->body_w / 2, 0, 0.13 * small, 0.13 * small);
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
        synthetic_ellipse_path(cr, -sc->body_w / 2 + inset, y, dot, dot);
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
        synthetic_ellipse_path(cr, sc->spec_x, sc->spec_y, sc->spec_r, sc->spec_r);
        cairo_fill(cr);
        cairo_pattern_destroy(s);
    }
}

void
synthetic_draw_chip(cairo_t *cr, Canvas *cv, const Scene *sc, Defect *df, Extent *ext)
{
    draw_shadow(cr, cv, sc);
    chip_frame(cr, sc, cv->size, 0, 0);
    draw_leads(cr, sc, df, ext);
    /* A chipped corner is drawn by putting back what lay under the missing piece, from a
     * copy taken now. (Cutting the corner out of the body's outline instead would move
     * the end points of its edges, and Cairo's anti-aliasing along the whole edge with
     * them: the defect would show far from where it is.) */
    if (df->kind == DATA_DEFECT_CHIPPED_CORNER)
        surface_copy(cv->under, cv->surface);
    draw_body_sides(cr, cv, sc);

    cairo_save(cr);
    synthetic_body_path(cr, sc);
    cairo_clip(cr);
    draw_top_face(cr, cv, sc);
    if (df->kind == DATA_DEFECT_BAD_MARKING)
        synthetic_draw_bad_marking(cr, sc, df, ext);
    else
        draw_marking(cr, sc);
    synthetic_draw_face_defect(cr, sc, df, ext);
    cairo_restore(cr);

    synthetic_draw_over_defect(cr, cv, sc, df, ext);
}
