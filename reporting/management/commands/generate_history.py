"""Synthetic history for benchmarks and demos, written through bulk paths (INSERT … SELECT generate_series).

    python manage.py generate_history --incidents 1000000 --centre pky [--start 2026-10-01] [--days 30]

What it writes, per centre and period (local days in the centre's zone):
- calls with the published mix (Gresik, Lebaran 2025: 45.5 % prank, 28.9 % ghost among answered calls; the
  rest genuine, duplicate, information, misdial, test) plus calls dropped before an answer (--abandoned, 30 %);
  prank and ghost numbers drawn from a skewed pool, so repeat callers exist;
- one incident per genuine call, over the centre's categories with Damkar's non-fire rescues weighted in,
  its districts, and a diurnal curve (quiet 02–05, busy 09–21 local);
- stage times from log-normal distributions (answer ≈ 6 s, processing ≈ 35 s, acceptance ≈ 40 s, turnout
  ≈ 70 s, travel ≈ 8 min, on scene ≈ 30 min), with fewer incidents reaching each later stage; 4 % of the
  assignments expire and go to the backup agency;
- their timeline events (incident.created, assignment.offered/accepted/expired, incident.status_changed on
  close, call.closed for calls without an incident), then the rollups are rebuilt from the rows (a bulk load is
  what rollup_rebuild_all is for: replaying its events in chunks would rebuild every day once per chunk).
It needs the centre's categories, agencies and units (`load_demo`). Never run it against a live centre's
database: the rows are indistinguishable from real ones except for the `-H` in their reference.
"""
import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from agencies.models import Agency, CommandCentre, Region, Unit
from incidents.models import IncidentCategory

from reporting.rollup import rollup_rebuild_all

# Share of incidents per category code (others: 1).
CATEGORY_WEIGHTS = {
    "kebakaran": 8, "kecelakaan_lalu_lintas": 14, "medis": 18, "permintaan_ambulans": 8, "evakuasi_hewan": 12,
    "pohon_tumbang": 6, "kriminalitas": 8, "banjir": 3, "orang_tenggelam": 2, "kdrt": 2,
}
# Local hour weights (0..23): the diurnal curve of a city's 112 line.
HOUR_WEIGHTS = [2, 1.5, 1, 1, 1, 1.5, 3, 5, 6, 7, 7, 7, 7, 6.5, 6.5, 6.5, 7, 7.5, 8, 8, 7, 5.5, 4, 3]
# Among answered calls (Gresik 2025 for prank/ghost); genuine calls become incidents.
ANSWERED_MIX = [("genuine", 0.166), ("duplicate", 0.02), ("info", 0.05), ("misdial", 0.014), ("test", 0.006),
                ("ghost", 0.289), ("prank", 0.455)]


def lognormal(median: float, sigma: float) -> str:
    """SQL for one log-normal draw in seconds (Box–Muller)."""
    return f"exp(ln({median}) + {sigma} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))"


def interval(median, sigma):
    return f"make_interval(secs => {lognormal(median, sigma)})"


class Command(BaseCommand):
    help = "Write synthetic incidents, calls and timeline events in bulk for benchmarks and demos."

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, required=True)
        parser.add_argument("--centre", required=True, help="command centre code, e.g. pky")
        parser.add_argument("--start", help="first local day, YYYY-MM-DD (default: 30 days before today)")
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--abandoned", type=float, default=0.3, help="share of calls dropped before an answer")
        parser.add_argument("--seed", type=float, default=0.112)
        parser.add_argument("--no-refresh", action="store_true", help="leave the rollups to the next refresh")

    def handle(self, *args, incidents, centre, start, days, abandoned, seed, no_refresh, **opts):
        if incidents < 1 or days < 1:
            raise CommandError("--incidents and --days must be positive")
        try:
            centre = CommandCentre.objects.get(code=centre)
        except CommandCentre.DoesNotExist:
            raise CommandError(f"unknown centre {centre!r}") from None
        tz = ZoneInfo(centre.timezone)
        first = dt.date.fromisoformat(start) if start else dt.datetime.now(tz).date() - dt.timedelta(days=days)
        plan = self._plan(centre)
        t0 = time.monotonic()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT setseed(%s)", [seed])
            self._write(cur, centre=centre, first=first, days=days, n=incidents, abandoned=abandoned, plan=plan)
        self.stdout.write(f"wrote {incidents} incidents and their calls/events in {time.monotonic() - t0:.1f} s")
        if not no_refresh:
            t1 = time.monotonic()
            result = rollup_rebuild_all()
            self.stdout.write(f"rollups rebuilt from the rows ({result['days']} days) in {time.monotonic() - t1:.1f} s")

    def _plan(self, centre):
        agencies = {}
        for agency in Agency.objects.filter(command_centre=centre, is_active=True).order_by("pk"):
            units = list(Unit.objects.filter(agency=agency).values_list("pk", flat=True))
            if units:
                agencies.setdefault(agency.type, (agency, units))
        rows = []
        for category in IncidentCategory.objects.filter(is_active=True).order_by("pk"):
            types = [t for t in category.responsible_agency_types if t in agencies]
            if not types:
                continue
            agency, units = agencies[types[0]]
            backup = agency.backup_agency_id or next((a.pk for t, (a, _u) in agencies.items() if a.pk != agency.pk), agency.pk)
            rows.append((category.pk, agency.pk, units, backup, CATEGORY_WEIGHTS.get(category.code, 1)))
        if not rows:
            raise CommandError("the centre has no category with an agency and units: run load_demo first")
        districts = list(Region.objects.filter(level=Region.Level.DISTRICT, parent__in=centre.regions.all()).values_list("code", flat=True))
        return {"categories": rows, "districts": districts or [None]}

    def _write(self, cur, *, centre, first, days, n, abandoned, plan):
        total_w = sum(HOUR_WEIGHTS)
        cum, acc = [], 0.0
        for w in HOUR_WEIGHTS[:-1]:
            acc += w / total_w
            cum.append(round(acc, 6))
        cur.execute("DROP TABLE IF EXISTS gen_cat; CREATE TEMP TABLE gen_cat (idx int, category_id bigint, agency_id bigint, units bigint[], backup_id bigint)")
        weighted = []
        for category_id, agency_id, units, backup, weight in plan["categories"]:
            weighted += [(category_id, agency_id, units, backup)] * weight
        cur.executemany("INSERT INTO gen_cat VALUES (%s, %s, %s, %s, %s)", [(i, *row) for i, row in enumerate(weighted)])
        cur.execute("SELECT coalesce(max(number), 0) FROM incidents_incident WHERE command_centre_id = %s", [centre.pk])
        base_number = cur.fetchone()[0]
        p = {
            "centre": centre.pk, "tz": centre.timezone, "first": first, "days": days, "n": n, "cum": cum,
            "districts": plan["districts"], "ncat": len(weighted), "base": base_number, "prefix": centre.reference_prefix,
            "year": first.year, "pool": max(1000, n // 3),
        }
        # 1. the incidents' skeleton: ids drawn up front so every table can be written with one INSERT … SELECT
        cur.execute(f"""
            CREATE TEMP TABLE gen ON COMMIT DROP AS
            SELECT g, nextval('incidents_incident_id_seq') AS id, nextval('incidents_call_id_seq') AS call_id,
                   nextval('incidents_assignment_id_seq') AS asg_id,
                   c.category_id, c.agency_id, c.units[1 + floor(random() * array_length(c.units, 1))::int] AS unit_id, c.backup_id,
                   (%(districts)s::text[])[1 + floor(random() * array_length(%(districts)s::text[], 1))::int] AS district,
                   r.ring,
                   random() AS stage_draw, random() < 0.04 AS expires
            FROM generate_series(1, %(n)s) g
            JOIN LATERAL (
                SELECT ((%(first)s::date + floor(random() * %(days)s)::int + width_bucket(random(), %(cum)s::float8[]) * interval '1 hour'
                         + random() * interval '1 hour') AT TIME ZONE %(tz)s) AS ring,
                       floor(random() * %(ncat)s)::int AS idx
                WHERE g > 0
            ) r ON true
            JOIN gen_cat c ON c.idx = r.idx
        """, p)
        cur.execute(f"""
            ALTER TABLE gen ADD COLUMN answered timestamptz, ADD COLUMN created timestamptz, ADD COLUMN routed timestamptz,
              ADD COLUMN expired timestamptz, ADD COLUMN backup_offered timestamptz, ADD COLUMN accepted timestamptz,
              ADD COLUMN en_route timestamptz, ADD COLUMN on_scene timestamptz, ADD COLUMN resolved timestamptz,
              ADD COLUMN closed timestamptz, ADD COLUMN backup_id2 bigint;
            UPDATE gen SET answered = ring + {interval(6, 0.7)};
            UPDATE gen SET created = answered + {interval(50, 0.5)};
            UPDATE gen SET routed = created + {interval(35, 0.6)} WHERE stage_draw < 0.97;
            UPDATE gen SET expired = routed + interval '3 minutes', backup_offered = routed + interval '3 minutes'
                WHERE expires AND routed IS NOT NULL;
            UPDATE gen SET accepted = coalesce(backup_offered, routed) + {interval(40, 0.8)} WHERE stage_draw < 0.93 AND routed IS NOT NULL;
            UPDATE gen SET en_route = accepted + {interval(70, 0.5)} WHERE stage_draw < 0.9 AND accepted IS NOT NULL;
            UPDATE gen SET on_scene = en_route + {interval(480, 0.5)} WHERE stage_draw < 0.88 AND en_route IS NOT NULL;
            UPDATE gen SET resolved = on_scene + {interval(1800, 0.7)} WHERE stage_draw < 0.85 AND on_scene IS NOT NULL;
            UPDATE gen SET closed = resolved + {interval(600, 0.8)} WHERE stage_draw < 0.82 AND resolved IS NOT NULL;
            UPDATE gen SET backup_id2 = CASE WHEN expires AND routed IS NOT NULL THEN nextval('incidents_assignment_id_seq') END;
        """)
        status = """CASE WHEN closed IS NOT NULL THEN 'closed' WHEN resolved IS NOT NULL THEN 'resolved'
                         WHEN on_scene IS NOT NULL THEN 'on_scene' WHEN en_route IS NOT NULL THEN 'en_route'
                         WHEN accepted IS NOT NULL THEN 'accepted' WHEN routed IS NOT NULL THEN 'routed' ELSE 'new' END"""
        # 2. incidents, their calls, assignments (the expired first offer and its backup), unit dispatches
        cur.execute(f"""
            INSERT INTO incidents_incident (id, command_centre_id, reference, year, number, category_id, priority, status, location,
                address, location_source, district_id, outside_service_area, description, caller_number, caller_name, caller_count,
                answers, is_public_alert, call_answered_at, created_at, routed_at, accepted_at, dispatched_at, on_scene_at,
                resolved_at, closed_at, updated_at)
            SELECT id, %(centre)s, %(prefix)s || '-H' || (%(base)s + g), %(year)s, %(base)s + g, category_id, 2, {status},
                   ST_SetSRID(ST_MakePoint(113.92 + (random() - 0.5) * 0.2, -2.21 + (random() - 0.5) * 0.2), 4326),
                   '', 'map', district, false, '', '08' || (1100000000 + floor(random() * 800000000))::bigint, '', 1,
                   '{{}}', false, answered, created, routed, accepted, accepted, on_scene, resolved, closed, coalesce(closed, created)
            FROM gen
        """, p)
        cur.execute("""
            INSERT INTO incidents_call (id, command_centre_id, line, caller_number, caller_name, status, disposition, ringing_at,
                answered_at, ended_at, incident_id, note)
            SELECT call_id, %(centre)s, '112', i.caller_number, '', 'ended', 'genuine', ring, answered, created + interval '40 seconds', id, ''
            FROM gen JOIN incidents_incident i USING (id)
        """, p)
        cur.execute("""
            INSERT INTO incidents_assignment (id, incident_id, agency_id, status, offered_at, ack_deadline, accepted_at, expired_at,
                completed_at, reason, escalation_stage)
            SELECT asg_id, id, agency_id,
                   CASE WHEN expired IS NOT NULL THEN 'expired' WHEN resolved IS NOT NULL THEN 'completed'
                        WHEN accepted IS NOT NULL THEN 'accepted' ELSE 'offered' END,
                   routed, routed + interval '3 minutes', CASE WHEN expired IS NULL THEN accepted END, expired,
                   CASE WHEN expired IS NULL THEN resolved END, '', 0
            FROM gen WHERE routed IS NOT NULL
            UNION ALL
            SELECT backup_id2, id, backup_id, CASE WHEN resolved IS NOT NULL THEN 'completed' WHEN accepted IS NOT NULL THEN 'accepted' ELSE 'offered' END,
                   backup_offered, backup_offered + interval '3 minutes', accepted, NULL, resolved, '', 1
            FROM gen WHERE backup_id2 IS NOT NULL
        """)
        cur.execute("UPDATE incidents_assignment a SET previous_id = g.asg_id FROM gen g WHERE a.id = g.backup_id2")
        cur.execute("""
            INSERT INTO incidents_unitdispatch (assignment_id, unit_id, dispatched_at, en_route_at, on_scene_at, released_at, note,
                predicted_eta_s, eta_basis)
            -- the ETA predicted at dispatch: the travel that followed, off by a log-normal factor (σ 0.25), by road
            SELECT coalesce(backup_id2, asg_id), unit_id, accepted, en_route, on_scene, coalesce(resolved, on_scene, en_route, accepted), '',
                   CASE WHEN on_scene IS NOT NULL THEN greatest(30, round(extract(epoch FROM on_scene - en_route)
                        * exp(0.25 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))))::int END,
                   CASE WHEN on_scene IS NOT NULL THEN 'road' ELSE '' END
            FROM gen WHERE accepted IS NOT NULL
        """)
        # 3. calls without an incident: the rest of the answered mix, then the ones dropped before an answer
        others = [(d, s) for d, s in ANSWERED_MIX if d != "genuine"]
        genuine_share = dict(ANSWERED_MIX)["genuine"]
        answered_others = int(n * (1 - genuine_share) / genuine_share)
        total_answered = n + answered_others
        dropped = int(total_answered * abandoned / (1 - abandoned))
        thresholds, acc = [], 0.0
        rest = sum(s for _d, s in others)
        for _d, s in others[:-1]:
            acc += s / rest
            thresholds.append(round(acc, 6))
        p.update({"others": answered_others, "dropped": dropped, "dispositions": [d for d, _s in others], "thresholds": thresholds})
        cur.execute(f"""
            INSERT INTO incidents_call (command_centre_id, line, caller_number, caller_name, status, disposition, ringing_at,
                answered_at, ended_at, note)
            SELECT %(centre)s, '112',
                   CASE WHEN d IN ('prank', 'ghost') THEN '0812' || lpad(floor(%(pool)s * power(random(), 3))::int::text, 8, '0')
                        ELSE '08' || (1100000000 + floor(random() * 800000000))::bigint END,
                   '', 'ended', d, ring, ring + {interval(6, 0.7)}, ring + {interval(25, 0.8)}, ''
            FROM (
                SELECT (%(dispositions)s::text[])[1 + width_bucket(random(), %(thresholds)s::float8[])] AS d,
                       ((%(first)s::date + floor(random() * %(days)s)::int + width_bucket(random(), %(cum)s::float8[]) * interval '1 hour'
                         + random() * interval '1 hour') AT TIME ZONE %(tz)s) AS ring
                FROM generate_series(1, %(others)s)
            ) s
        """, p)
        cur.execute("""
            INSERT INTO incidents_call (command_centre_id, line, caller_number, caller_name, status, disposition, ringing_at, ended_at, note)
            SELECT %(centre)s, '112', '08' || (1100000000 + floor(random() * 800000000))::bigint, '', 'ended', '', ring, ring + random() * interval '30 seconds', ''
            FROM (SELECT ((%(first)s::date + floor(random() * %(days)s)::int + width_bucket(random(), %(cum)s::float8[]) * interval '1 hour'
                           + random() * interval '1 hour') AT TIME ZONE %(tz)s) AS ring
                  FROM generate_series(1, %(dropped)s)) s
        """, p)
        # 4. the timeline, in time order within each kind (seq is the table's own sequence)
        cur.execute("""
            INSERT INTO incidents_timelineevent (at, kind, incident_id, centre_ids, agency_ids, community_ids, payload)
            SELECT created, 'incident.created', id, ARRAY[%(centre)s]::bigint[], '{}'::bigint[], '{}'::bigint[], jsonb_build_object('call', call_id) FROM gen
            UNION ALL
            SELECT routed, 'assignment.offered', id, ARRAY[%(centre)s]::bigint[], ARRAY[agency_id], '{}'::bigint[], jsonb_build_object('assignment', jsonb_build_object('id', asg_id)) FROM gen WHERE routed IS NOT NULL
            UNION ALL
            SELECT expired, 'assignment.expired', id, ARRAY[%(centre)s]::bigint[], ARRAY[agency_id], '{}'::bigint[], jsonb_build_object('assignment', jsonb_build_object('id', asg_id)) FROM gen WHERE expired IS NOT NULL
            UNION ALL
            SELECT accepted, 'assignment.accepted', id, ARRAY[%(centre)s]::bigint[], ARRAY[coalesce(CASE WHEN backup_id2 IS NOT NULL THEN backup_id END, agency_id)], '{}'::bigint[], '{}'::jsonb FROM gen WHERE accepted IS NOT NULL
            UNION ALL
            SELECT closed, 'incident.status_changed', id, ARRAY[%(centre)s]::bigint[], '{}'::bigint[], '{}'::bigint[], jsonb_build_object('old', 'resolved', 'new', 'closed') FROM gen WHERE closed IS NOT NULL
        """, p)
        cur.execute("""
            INSERT INTO incidents_timelineevent (at, kind, incident_id, centre_ids, agency_ids, community_ids, payload)
            SELECT coalesce(ended_at, ringing_at), 'call.closed', NULL, ARRAY[%(centre)s]::bigint[], '{}'::bigint[], '{}'::bigint[],
                   jsonb_build_object('call', jsonb_build_object('id', id, 'status', 'ended', 'disposition', disposition))
            FROM incidents_call WHERE command_centre_id = %(centre)s AND incident_id IS NULL AND id > (SELECT max(call_id) FROM gen)
        """, p)
        cur.execute("ANALYZE incidents_incident; ANALYZE incidents_call; ANALYZE incidents_assignment; ANALYZE incidents_unitdispatch")
