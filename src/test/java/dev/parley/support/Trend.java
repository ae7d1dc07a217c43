package dev.parley.support;

import java.util.List;

/**
 * Whether a resource sampled over a run grows: the least-squares slope of value against time, per
 * hour, with its standard error. A leak shows as a slope that is both large (more than the
 * tolerance an hour) and certain (more than three standard errors above zero); noise around a flat
 * line gives a slope of either sign with a wide error, and a short run cannot call that a leak.
 * Used by bench/faults/soak.sh over 30 minutes, and small enough for a short run in a test.
 */
public record Trend(String name, int samples, double mean, double first, double last, double slopePerHour,
                    double standardErrorPerHour, double tolerancePerHour) {

    /** One sample: seconds since the start of the measured window, and the value then. */
    public record Point(double seconds, double value) {}

    public static Trend of(String name, List<Point> points, double tolerancePerHour) {
        if (points.size() < 3) {
            throw new IllegalArgumentException(name + ": a trend needs at least 3 samples, got " + points.size());
        }
        int n = points.size();
        double mx = points.stream().mapToDouble(Point::seconds).average().orElseThrow();
        double my = points.stream().mapToDouble(Point::value).average().orElseThrow();
        double sxx = 0, sxy = 0;
        for (Point p : points) {
            sxx += (p.seconds() - mx) * (p.seconds() - mx);
            sxy += (p.seconds() - mx) * (p.value() - my);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException(name + ": all samples at one time");
        }
        double slope = sxy / sxx;
        double residuals = 0;
        for (Point p : points) {
            double r = p.value() - (my + slope * (p.seconds() - mx));
            residuals += r * r;
        }
        double standardError = Math.sqrt(residuals / (n - 2) / sxx);
        return new Trend(name, n, my, points.getFirst().value(), points.getLast().value(), slope * 3600,
                standardError * 3600, tolerancePerHour);
    }

    /** Grows when the slope is over the tolerance and over three standard errors: both, so noise is not a leak. */
    public boolean grows() {
        return slopePerHour > tolerancePerHour && slopePerHour > 3 * standardErrorPerHour;
    }

    public String verdict() {
        return grows() ? "GROWS" : "flat";
    }
}
