//@include "json.jsx"
//@include "request.jsx"
// Refinery host script for Premiere Pro (ExtendScript, ECMAScript 3).
// The host-script API of ../shared/DESIGN.md: every function takes one JSON string (or
// nothing) and returns {"ok":true,"data":...} or {"ok":false,"error":{code,message}}.
// Times are integer ticks (Number(time.ticks)), never seconds, so no cut moves by a frame.
// What a placement replaced is kept in a "Refinery" marker on the placed project item, so
// revert works after the project is saved and reopened.

var refinery_ping, refinery_getSelection, refinery_placeRefined, refinery_revert;

(function () {
    var TICKS = 254016000000;
    var MARKER = "Refinery";
    var ALL_MEDIA = 4;

    var fail = refinery_request.fail, run = refinery_request.run;
    var requireString = refinery_request.requireString, headFrames = refinery_request.headFrames;
    var samePath = refinery_request.samePath, checkSource = refinery_request.checkSource;

    // ---- time

    function ticks(time) {
        return Number(time.ticks);
    }

    function timeAt(n) {
        var t = new Time();
        t.ticks = String(n);
        return t;
    }

    function mediaTicksPerFrame(item, seq) {
        var rate = item.getFootageInterpretation().frameRate;
        return rate > 0 ? Math.round(TICKS / rate) : Number(seq.timebase);
    }

    // ---- project and sequence

    function project() {
        if (!app.project || !app.project.rootItem) fail("no_project", "No project is open.");
        return app.project;
    }

    function activeSequence() {
        var seq = project().activeSequence;
        if (!seq) fail("no_sequence", "No sequence is active.");
        return seq;
    }

    function findVideoClip(seq, id) {
        var i, j, track;
        for (i = 0; i < seq.videoTracks.numTracks; i++) {
            track = seq.videoTracks[i];
            for (j = 0; j < track.clips.numItems; j++) {
                if (track.clips[j].nodeId === id) return { clip: track.clips[j], track: track, index: i };
            }
        }
        return fail("clip_not_found", "No video clip with id " + id + " in the active sequence.");
    }

    function clipAt(track, start, item) {
        var j, c;
        for (j = 0; j < track.clips.numItems; j++) {
            c = track.clips[j];
            if (ticks(c.start) === start && c.projectItem.nodeId === item.nodeId) return c;
        }
        return fail("host_error", "The placed clip was not found on its track.");
    }

    function eachClipItem(folder, visit) {
        var i, child, found;
        for (i = 0; i < folder.children.numItems; i++) {
            child = folder.children[i];
            if (child.type === ProjectItemType.BIN) {
                found = eachClipItem(child, visit);
                if (found) return found;
            } else if (child.type === ProjectItemType.CLIP && visit(child)) {
                return child;
            }
        }
        return null;
    }

    function itemWithPath(folder, path) {
        return eachClipItem(folder, function (item) {
            return samePath(item.getMediaPath(), path);
        });
    }

    function bin(name) {
        var root = project().rootItem, i;
        for (var attempt = 0; attempt < 2; attempt++) {
            for (i = 0; i < root.children.numItems; i++) {
                if (root.children[i].type === ProjectItemType.BIN && root.children[i].name === name) return root.children[i];
            }
            if (attempt === 0) root.createBin(name);
        }
        return fail("host_error", "Could not create the bin " + name + ".");
    }

    function importRefined(path, binName) {
        var target, item;
        if (!new File(path).exists) fail("file_missing", "The refined file does not exist: " + path);
        target = bin(binName || "Refinery");
        item = itemWithPath(target, path);
        if (!item) {
            project().importFiles([path], true, target, false);
            item = itemWithPath(target, path);
            if (!item) fail("import_failed", "Premiere could not import " + path);
        }
        if (item.isOffline()) fail("media_offline", "The refined media is offline: " + path);
        return item;
    }

    function isFree(track, start, end) {
        var j, c;
        for (j = 0; j < track.clips.numItems; j++) {
            c = track.clips[j];
            if (ticks(c.start) < end && ticks(c.end) > start) return false;
        }
        return true;
    }

    // Stacking must neither overwrite a clip nor cover one: the track above when it is empty
    // over the span; a new track when there is none above (through the QE DOM, the only way).
    function trackAbove(seq, index, start, end) {
        var count = seq.videoTracks.numTracks;
        if (index + 1 < count) {
            if (!isFree(seq.videoTracks[index + 1], start, end)) fail("track_busy", "The track above has a clip over this one; make room there or use replace.");
            return index + 1;
        }
        app.enableQE();
        qe.project.getActiveSequence().addTracks(1, count, 0, 0, 0, 0, 0, 0);
        if (seq.videoTracks.numTracks !== count + 1) fail("host_error", "Could not add a video track.");
        return count;
    }

    // Places [inPoint, outPoint) of the item at start: overwriteClip places the item's marked
    // range, so the marks are set for the edit and cleared after it.
    function placeRange(track, item, start, inPoint, outPoint) {
        item.setInPoint(timeAt(inPoint), ALL_MEDIA);
        item.setOutPoint(timeAt(outPoint), ALL_MEDIA);
        try {
            track.overwriteClip(item, timeAt(start));
        } finally {
            item.clearInPoint();
            item.clearOutPoint();
        }
        return clipAt(track, start, item);
    }

    // ---- revert records: one marker per placement, its comments a JSON object

    function addRecord(item, record) {
        var marker = item.getMarkers().createMarker(0);
        marker.name = MARKER;
        marker.comments = JSON.stringify(record);
    }

    function records(item) {
        var markers = item.getMarkers(), found = [], m, record;
        for (m = markers.getFirstMarker(); m; m = markers.getNextMarker(m)) {
            if (m.name !== MARKER) continue;
            try {
                record = JSON.parse(m.comments);
            } catch (e) {
                continue;
            }
            found.push({ marker: m, record: record });
        }
        return found;
    }

    // The record for this clip: one made at its sequence time (track numbers shift when tracks
    // are added), else the item's only one (the clip was moved).
    function recordFor(item, seq, start) {
        var all = records(item), i, r;
        for (i = 0; i < all.length; i++) {
            r = all[i].record;
            if (r.mode === "relink" || (r.sequence === seq.sequenceID && Number(r.start) === start)) return all[i];
        }
        return all.length === 1 ? all[0] : null;
    }

    // ---- relink: every use of the item, in every sequence, slips by the same offset

    function usesOf(item) {
        var uses = [], seqs = project().sequences, s, i, j, track;
        for (s = 0; s < seqs.numSequences; s++) {
            for (i = 0; i < seqs[s].videoTracks.numTracks; i++) {
                track = seqs[s].videoTracks[i];
                for (j = 0; j < track.clips.numItems; j++) {
                    if (track.clips[j].projectItem.nodeId === item.nodeId) uses.push(track.clips[j]);
                }
            }
        }
        return uses;
    }

    // Moving the in point first when slipping earlier (the out point first when later) keeps
    // in before out at every step.
    function slip(clip, delta) {
        var newIn = ticks(clip.inPoint) + delta, newOut = ticks(clip.outPoint) + delta;
        if (delta < 0) {
            clip.inPoint = timeAt(newIn);
            clip.outPoint = timeAt(newOut);
        } else {
            clip.outPoint = timeAt(newOut);
            clip.inPoint = timeAt(newIn);
        }
    }

    // ---- the API

    function ping() {
        return { host: "PPRO", version: String(app.version) };
    }

    function getSelection() {
        var seq = activeSequence(), selected = seq.getSelection(), clips = [], offline = [], i, c, where;
        for (i = 0; i < selected.length; i++) {
            c = selected[i];
            if (c.mediaType !== "Video") continue;
            if (c.projectItem.isOffline()) offline.push(c.name);
            where = findVideoClip(seq, c.nodeId);
            clips.push({
                id: c.nodeId,
                name: c.name,
                mediaPath: c.projectItem.getMediaPath(),
                trackIndex: where.index,
                startS: ticks(c.start) / TICKS,
                endS: ticks(c.end) / TICKS,
                inS: ticks(c.inPoint) / TICKS,
                outS: ticks(c.outPoint) / TICKS
            });
        }
        if (offline.length) fail("media_offline", "Media offline: " + offline.join(", ") + ".");
        if (!clips.length) fail("nothing_selected", "Select one or more video clips in the active sequence.");
        return { clips: clips, playheadS: ticks(seq.getPlayerPosition()) / TICKS };
    }

    function placeRefined(request) {
        var seq = activeSequence();
        var id = requireString(request, "id"), path = requireString(request, "mediaPath");
        var mode = request.mode, head = headFrames(request.handles);
        var where, clip, original, tpf, start, inPoint, outPoint, offset, item, newIn, newOut, placed, targetIndex;
        if (mode !== "replace" && mode !== "stack" && mode !== "relink") fail("bad_request", "mode must be replace, stack or relink.");
        if (request.binName !== undefined && (typeof request.binName !== "string" || request.binName === "")) fail("bad_request", "binName must be a non-empty string.");
        where = findVideoClip(seq, id);
        clip = where.clip;
        original = clip.projectItem;
        checkSource(request, original.getMediaPath());
        tpf = mediaTicksPerFrame(original, seq);
        start = ticks(clip.start);
        inPoint = ticks(clip.inPoint);
        outPoint = ticks(clip.outPoint);
        // Original media time of the refined file's first frame: the clip's first frame less the head handles.
        offset = (Math.floor(inPoint / tpf) - head) * tpf;
        if (offset < 0) fail("bad_request", "handles.head is more frames than the clip has before its in point.");
        newIn = inPoint - offset;
        newOut = outPoint - offset;
        if (mode === "relink") return relink(clip, original, path, request.binName, offset);

        item = importRefined(path, request.binName);
        if (ticks(item.getOutPoint()) < newOut) fail("media_too_short", "The refined file ends before the clip does; render it with the clip's range and handles.");
        targetIndex = mode === "stack" ? trackAbove(seq, where.index, start, ticks(clip.end)) : where.index;
        placed = placeRange(seq.videoTracks[targetIndex], item, start, newIn, newOut);
        addRecord(item, {
            mode: mode,
            sequence: seq.sequenceID,
            start: String(start),
            original: { path: original.getMediaPath(), inPoint: String(inPoint), outPoint: String(outPoint) }
        });
        return { id: placed.nodeId, projectItem: item.name };
    }

    function relink(clip, original, path, binName, offset) {
        var refined, duration, uses, i, r, u;
        if (records(original).length) fail("bad_request", original.name + " is already relinked by Refinery; revert it first.");
        if (!original.canChangeMediaPath()) fail("relink_refused", "Premiere cannot change the media of " + original.name + ".");
        refined = importRefined(path, binName);
        duration = ticks(refined.getOutPoint());
        uses = usesOf(original);
        for (i = 0; i < uses.length; i++) {
            u = uses[i];
            if (ticks(u.inPoint) - offset < 0 || ticks(u.outPoint) - offset > duration) {
                fail("relink_refused", "Another use of " + original.name + " (at " + ticks(u.start) / TICKS + " s) needs frames the refined file does not have; use replace.");
            }
        }
        r = { mode: "relink", path: original.getMediaPath(), offset: String(offset) };
        if (!original.changeMediaPath(path, true)) fail("relink_refused", "Premiere refused the new media path " + path + ".");
        for (i = 0; i < uses.length; i++) slip(uses[i], -offset);
        addRecord(original, r);
        return { id: clip.nodeId, projectItem: original.name };
    }

    function revert(request) {
        var seq = activeSequence(), where = findVideoClip(seq, requireString(request, "id"));
        var clip = where.clip, item = clip.projectItem, start = ticks(clip.start);
        var found = recordFor(item, seq, start), r, original, uses, i;
        if (!found) fail("not_refined", clip.name + " was not placed by Refinery.");
        r = found.record;
        if (r.mode === "relink") {
            uses = usesOf(item);
            if (!item.changeMediaPath(r.path, true)) fail("media_offline", "Premiere could not relink " + item.name + " to " + r.path + ".");
            for (i = 0; i < uses.length; i++) slip(uses[i], Number(r.offset));
        } else if (r.mode === "replace") {
            original = itemWithPath(project().rootItem, r.original.path);
            if (!original) fail("clip_not_found", "The original project item (" + r.original.path + ") is no longer in the project.");
            clip.remove(false, false);
            placeRange(where.track, original, start, Number(r.original.inPoint), Number(r.original.outPoint));
        } else {
            clip.remove(false, false);
        }
        item.getMarkers().deleteMarker(found.marker);
        return { mode: r.mode };
    }

    refinery_ping = function () {
        return run(ping);
    };
    refinery_getSelection = function () {
        return run(getSelection);
    };
    refinery_placeRefined = function (json) {
        return run(placeRefined, json === undefined ? "" : json);
    };
    refinery_revert = function (json) {
        return run(revert, json === undefined ? "" : json);
    };
}());
