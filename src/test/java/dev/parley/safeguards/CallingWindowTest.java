package dev.parley.safeguards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.error.Problem;
import dev.parley.number.PhoneNumbers;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The window arithmetic: edges, midnight, DST gaps and overlaps, several zones, and the callee's zones. */
@Tag("unit")
class CallingWindowTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final ZoneId LOS_ANGELES = ZoneId.of("America/Los_Angeles");
    static final CallingWindow DAY = CallingWindow.DEFAULT;

    static Instant at(String local, ZoneId zone) {
        return LocalDateTime.parse(local).atZone(zone).toInstant();
    }

    @Test
    void startIsInsideEndIsOutside() {
        List<ZoneId> ny = List.of(NEW_YORK);
        assertThat(DAY.nextOpening(at("2027-01-12T08:00", NEW_YORK), ny)).isEqualTo(at("2027-01-12T08:00", NEW_YORK));
        assertThat(DAY.nextOpening(at("2027-01-12T20:59:59", NEW_YORK), ny)).isEqualTo(at("2027-01-12T20:59:59", NEW_YORK));
        assertThat(DAY.nextOpening(at("2027-01-12T07:59:59", NEW_YORK), ny)).isEqualTo(at("2027-01-12T08:00", NEW_YORK));
        assertThat(DAY.nextOpening(at("2027-01-12T21:00", NEW_YORK), ny)).isEqualTo(at("2027-01-13T08:00", NEW_YORK));
        assertThat(DAY.nextOpening(at("2027-01-12T23:30", NEW_YORK), ny)).isEqualTo(at("2027-01-13T08:00", NEW_YORK));
    }

    @Test
    void aWindowMayCrossMidnight() {
        CallingWindow night = new CallingWindow(LocalTime.of(22, 0), LocalTime.of(6, 0));
        List<ZoneId> ny = List.of(NEW_YORK);
        assertThat(night.nextOpening(at("2027-01-12T23:00", NEW_YORK), ny)).isEqualTo(at("2027-01-12T23:00", NEW_YORK));
        assertThat(night.nextOpening(at("2027-01-13T05:59", NEW_YORK), ny)).isEqualTo(at("2027-01-13T05:59", NEW_YORK));
        assertThat(night.nextOpening(at("2027-01-13T06:00", NEW_YORK), ny)).isEqualTo(at("2027-01-13T22:00", NEW_YORK));
    }

    @Test
    void aStartInTheSpringForwardGapOpensWhenTheClockJumps() {
        // 2027-03-14 02:00 EST jumps to 03:00 EDT in New York: 02:30 never happens that day.
        CallingWindow early = new CallingWindow(LocalTime.of(2, 30), LocalTime.of(5, 0));
        Instant opening = early.nextOpening(at("2027-03-14T01:00", NEW_YORK), List.of(NEW_YORK));
        assertThat(opening).isEqualTo(Instant.parse("2027-03-14T07:00:00Z")); // 03:00 EDT, the jump
        // The default window keeps its local hours across the change: 08:00 is 13:00Z before, 12:00Z after.
        assertThat(DAY.nextOpening(at("2027-03-13T22:00", NEW_YORK), List.of(NEW_YORK))).isEqualTo(Instant.parse("2027-03-14T12:00:00Z"));
        assertThat(DAY.nextOpening(at("2027-03-12T22:00", NEW_YORK), List.of(NEW_YORK))).isEqualTo(Instant.parse("2027-03-13T13:00:00Z"));
    }

    @Test
    void aStartInTheFallBackOverlapOpensAtItsFirstOccurrence() {
        // 2027-11-07 02:00 EDT falls back to 01:00 EST: 01:30 happens twice.
        CallingWindow early = new CallingWindow(LocalTime.of(1, 30), LocalTime.of(5, 0));
        Instant opening = early.nextOpening(at("2027-11-07T00:00", NEW_YORK), List.of(NEW_YORK));
        assertThat(opening).isEqualTo(Instant.parse("2027-11-07T05:30:00Z")); // 01:30 EDT
    }

    @Test
    void severalZonesMustAllBeInsideTheWindow() {
        List<ZoneId> both = List.of(NEW_YORK, LOS_ANGELES);
        // 08:00 in New York is 05:00 in Los Angeles: wait for 08:00 there (11:00 in New York).
        assertThat(DAY.nextOpening(at("2027-01-12T08:00", NEW_YORK), both)).isEqualTo(at("2027-01-12T08:00", LOS_ANGELES));
        // 19:00 in Los Angeles is 22:00 in New York: closed there; next morning in Los Angeles.
        assertThat(DAY.nextOpening(at("2027-01-12T19:00", LOS_ANGELES), both)).isEqualTo(at("2027-01-13T08:00", LOS_ANGELES));
    }

    @Test
    void zonesThatNeverAgreeGetTheMomentMostOfThemAgree() {
        // 08:00-21:00 is 08-21 UTC in London, 00-13 UTC in Singapore, 16-05 UTC in Los Angeles: never all three.
        List<ZoneId> apart = List.of(ZoneId.of("Europe/London"), ZoneId.of("Asia/Singapore"), LOS_ANGELES);
        Instant from = Instant.parse("2027-01-12T06:00:00Z"); // open only in Singapore
        Instant opening = DAY.nextOpening(from, apart);
        assertThat(opening).isAfter(from).isBefore(from.plusSeconds(86_400));
        long open = apart.stream().filter(z -> DAY.holdsAt(LocalTime.ofInstant(opening, z))).count();
        assertThat(open).isEqualTo(2);
        assertThat(opening).as("the first moment two agree: 08:00 in London, inside Singapore's window")
                .isEqualTo(Instant.parse("2027-01-12T08:00:00Z"));
        assertThat(DAY.nextOpening(opening, apart)).as("stable: open at its own opening").isEqualTo(opening);
    }

    @Test
    void theCalleesZonesComeFromTheNumber() {
        assertThat(PhoneNumbers.zones("+12125550100")).containsExactly(NEW_YORK);
        assertThat(PhoneNumbers.zones("+19075550100")).containsExactlyInAnyOrder(ZoneId.of("America/Adak"), ZoneId.of("America/Anchorage"));
        assertThat(PhoneNumbers.zones("+351912345678")).containsExactlyInAnyOrder(ZoneId.of("Atlantic/Azores"), ZoneId.of("Europe/Lisbon"));
        assertThat(PhoneNumbers.zones("+919723067241")).containsExactly(ZoneId.of("Asia/Calcutta"));
        // No assigned range: its prefix's zones (here every zone of +1), never "unknown".
        assertThat(PhoneNumbers.zones("+15555550100")).hasSizeGreaterThan(10).contains(NEW_YORK, ZoneId.of("Pacific/Guam"));
        // No place at all (international freephone): UTC.
        assertThat(PhoneNumbers.zones("+80012345678")).containsExactly(ZoneOffset.UTC);
    }

    @Test
    void theRuleSaysWhyAndSparesSandboxCalls() {
        Instant night = at("2027-01-12T23:00", ZoneId.of("America/Chicago"));
        CallingHours trunkNode = new CallingHours(() -> night, true);
        Optional<CallingHours.Deferral> wait = trunkNode.defer(Optional.of(DAY), "+13125550100", false, false, night);
        assertThat(wait).isPresent();
        assertThat(wait.get().opening()).isEqualTo(at("2027-01-13T08:00", ZoneId.of("America/Chicago")));
        assertThat(wait.get().note()).isEqualTo("outside calling hours 08:00-21:00 America/Chicago; scheduled for the next"
                + " opening, 2027-01-13T14:00:00Z");
        assertThat(trunkNode.defer(Optional.empty(), "+13125550100", false, false, night)).as("window off").isEmpty();
        CallingHours sandboxNode = new CallingHours(() -> night, false);
        assertThat(sandboxNode.defer(Optional.of(DAY), "+13125550100", false, false, night)).as("sandbox: exempt").isEmpty();
        assertThat(sandboxNode.defer(Optional.of(DAY), "+13125550100", false, true, night)).as("sandbox included").isPresent();
        assertThat(sandboxNode.defer(Optional.of(DAY), "+13125550100", true, false, night)).as("the workspace's trunk").isPresent();
    }

    @Test
    void badWindowsSayWhatToFix() throws Exception {
        assertThatThrownBy(() -> CallingWindow.parse(JSON.readTree("{\"start\": \"8:00\", \"end\": \"21:00\"}"), "calling_window"))
                .isInstanceOf(Problem.class).hasMessage("'calling_window.start' must be HH:MM, like 08:00");
        assertThatThrownBy(() -> CallingWindow.parse(JSON.readTree("{\"start\": \"08:00\"}"), "config.calling_window"))
                .isInstanceOf(Problem.class)
                .hasMessage("'config.calling_window.end' is required: HH:MM in the callee's local time, like 21:00");
        assertThatThrownBy(() -> CallingWindow.parse(JSON.readTree("{\"start\": \"08:00\", \"end\": \"24:00\"}"), "calling_window"))
                .isInstanceOf(Problem.class).hasMessage("'calling_window.end' must be HH:MM, like 21:00");
        assertThatThrownBy(() -> CallingWindow.parse(JSON.readTree("{\"start\": \"09:00\", \"end\": \"09:00\"}"), "calling_window"))
                .isInstanceOf(Problem.class).hasMessageContaining("must differ from its start");
        assertThatThrownBy(() -> CallingWindow.parse(JSON.readTree("\"08:00-21:00\""), "calling_window"))
                .isInstanceOf(Problem.class).hasMessageContaining("must be an object like {\"start\": \"08:00\", \"end\": \"21:00\"}");
        assertThatThrownBy(() -> CallingWindow.parse(JSON.readTree("{\"start\": \"08:00\", \"end\": \"21:00\", \"tz\": \"UTC\"}"),
                "calling_window")).isInstanceOf(Problem.class).hasMessageContaining("tz");
    }
}
