//@include "json.jsx"
//@include "request.jsx"
// Refinery host script for After Effects (ExtendScript, ECMAScript 3).
// The host-script API of ../shared/DESIGN.md: every function takes one JSON string (or
// nothing) and returns {"ok":true,"data":...} or {"ok":false,"error":{code,message}}.
// Clips are the selected footage layers of the active comp, id "compId:layerIndex". Every
// change is one undo group. What a placement replaced is kept in a "Refinery" layer marker
// (its parameters hold the JSON), so revert works after the project is saved and reopened.

var refinery_ping, refinery_getSelection, refinery_placeRefined, refinery_revert;

(function () {
    var MARKER = "Refinery";
    // Frame numbers from float seconds: the engine's rule (floor, with a tolerance far under a frame).
    var FRAME_EPSILON = 1e-6;
    // After Effects keeps times as floats; a span may miss a frame boundary by this much.
    var TIME_EPSILON = 1e-6;

    var fail = refinery_request.fail;
    var requireString = refinery_request.requireString, headFrames = refinery_request.headFrames, checkSource = refinery_request.checkSource;

    // Every change is one undo group.
    function run(operation, json, undoName) {
        return refinery_request.run(operation, json, undoName ? function (fn) {
            if (!app.project) return fn();
            app.beginUndoGroup(undoName);
            try {
                return fn();
            } finally {
                app.endUndoGroup();
            }
        } : undefined);
    }

    // ---- project, comp and layers

    function project() {
        if (!app.project) fail("no_project", "No project is open.");
        return app.project;
    }

    function activeComp() {
        var item = project().activeItem;
        if (!(item instanceof CompItem)) fail("no_sequence", "No composition is active.");
        return item;
    }

    function isFootageLayer(layer) {
        return layer instanceof AVLayer && layer.source instanceof FootageItem &&
            layer.source.mainSource instanceof FileSource && layer.hasVideo;
    }

    // "compId:layerIndex", and from After Effects 22.0 ":layerId" after it: an index changes
    // when a layer is added, removed or stacked above, the id does not, so a clip placed minutes
    // after it was selected lands on its own layer.
    function layerId(comp, layer) {
        return comp.id + ":" + layer.index + (typeof layer.id === "number" ? ":" + layer.id : "");
    }

    function findLayer(comp, id) {
        var parts = String(id).split(":"), index = Number(parts[1]), persistent = Number(parts[2]), layer = null, i;
        if (Number(parts[0]) === comp.id && parts.length === 3) {
            for (i = 1; i <= comp.numLayers && !layer; i++) {
                if (comp.layer(i).id === persistent) layer = comp.layer(i);
            }
        } else if (Number(parts[0]) === comp.id && parts.length === 2 && index >= 1 && index <= comp.numLayers && Math.floor(index) === index) {
            layer = comp.layer(index);
        }
        if (layer && isFootageLayer(layer)) return layer;
        return fail("clip_not_found", "No footage layer with id " + id + " in the active composition.");
    }

    // Source time shown at a comp time.
    function sourceTime(layer, t) {
        return (t - layer.startTime) * 100 / layer.stretch;
    }

    function folder(name) {
        var p = project(), i, item;
        for (i = 1; i <= p.numItems; i++) {
            item = p.item(i);
            if (item instanceof FolderItem && item.name === name) return item;
        }
        return p.items.addFolder(name);
    }

    function importRefined(path, folderName) {
        var target, p = project(), i, item;
        if (!new File(path).exists) fail("file_missing", "The refined file does not exist: " + path);
        target = folder(folderName || "Refinery");
        for (i = 1; i <= p.numItems; i++) {
            item = p.item(i);
            if (item instanceof FootageItem && item.parentFolder === target && item.file && item.file.fsName === path) return usable(item, path);
        }
        try {
            item = p.importFile(new ImportOptions(new File(path)));
        } catch (e) {
            fail("import_failed", "After Effects could not import " + path + ": " + (e && e.message ? e.message : e));
        }
        item.parentFolder = target;
        return usable(item, path);
    }

    function usable(item, path) {
        if (item.footageMissing) fail("media_offline", "The refined media is offline: " + path);
        return item;
    }

    // ---- revert records: a layer marker whose parameters hold the JSON

    function addRecord(layer, record) {
        var value = new MarkerValue(MARKER);
        value.setParameters({ refinery: JSON.stringify(record) });
        layer.property("Marker").setValueAtTime(layer.inPoint, value);
    }

    function removeRecords(layer) {
        var markers = layer.property("Marker"), i;
        for (i = markers.numKeys; i >= 1; i--) {
            if (markers.keyValue(i).comment === MARKER) markers.removeKey(i);
        }
    }

    // The latest record on the layer, or null.
    function recordOf(layer) {
        var markers = layer.property("Marker"), i, params;
        for (i = markers.numKeys; i >= 1; i--) {
            if (markers.keyValue(i).comment !== MARKER) continue;
            params = markers.keyValue(i).getParameters();
            try {
                return JSON.parse(params.refinery);
            } catch (e) {
                return null;
            }
        }
        return null;
    }

    // Sets in and out in an order that keeps in before out at every step.
    function setSpan(layer, inPoint, outPoint) {
        if (inPoint < layer.outPoint) {
            layer.inPoint = inPoint;
            layer.outPoint = outPoint;
        } else {
            layer.outPoint = outPoint;
            layer.inPoint = inPoint;
        }
    }

    // Moving startTime carries in and out along, so they are set again after it.
    function retime(layer, startTime, inPoint, outPoint) {
        layer.startTime = startTime;
        setSpan(layer, inPoint, outPoint);
    }

    // Points the footage item (every use) at another file, each use's source moved by delta
    // seconds of source time: replace() keeps in/out only where the new footage covers them.
    function replaceFootage(item, path, delta) {
        var uses = usesOf(item), spans = [], i;
        for (i = 0; i < uses.length; i++) spans.push([uses[i].startTime, uses[i].inPoint, uses[i].outPoint]);
        item.replace(new File(path));
        for (i = 0; i < uses.length; i++) retime(uses[i], spans[i][0] + delta * uses[i].stretch / 100, spans[i][1], spans[i][2]);
    }

    function usesOf(item) {
        var uses = [], p = project(), i, j, comp;
        for (i = 1; i <= p.numItems; i++) {
            comp = p.item(i);
            if (!(comp instanceof CompItem)) continue;
            for (j = 1; j <= comp.numLayers; j++) {
                if (comp.layer(j) instanceof AVLayer && comp.layer(j).source === item) uses.push(comp.layer(j));
            }
        }
        return uses;
    }

    // ---- the API

    function ping() {
        return { host: "AEFT", version: String(app.version) };
    }

    function getSelection() {
        var comp = activeComp(), selected = comp.selectedLayers, clips = [], offline = [], i, layer;
        for (i = 0; i < selected.length; i++) {
            layer = selected[i];
            if (!isFootageLayer(layer)) continue;
            if (layer.source.footageMissing) offline.push(layer.name);
            clips.push({
                id: layerId(comp, layer),
                name: layer.name,
                mediaPath: layer.source.file.fsName,
                trackIndex: layer.index,
                startS: layer.inPoint,
                endS: layer.outPoint,
                inS: sourceTime(layer, layer.inPoint),
                outS: sourceTime(layer, layer.outPoint)
            });
        }
        if (offline.length) fail("media_offline", "Footage missing: " + offline.join(", ") + ".");
        if (!clips.length) fail("nothing_selected", "Select one or more footage layers in the active composition.");
        return { clips: clips, playheadS: comp.time };
    }

    function placeRefined(request) {
        var comp = activeComp();
        var layer = findLayer(comp, requireString(request, "id")), path = requireString(request, "mediaPath");
        var mode = request.mode, head = headFrames(request.handles);
        var fd = layer.source.frameDuration, inFrame, offset, refined, target, inPoint, outPoint;
        checkSource(request, layer.source.file.fsName);
        if (mode !== "replace" && mode !== "stack" && mode !== "relink") fail("bad_request", "mode must be replace, stack or relink.");
        if (request.binName !== undefined && (typeof request.binName !== "string" || request.binName === "")) fail("bad_request", "binName must be a non-empty string.");
        // Source time of the refined file's first frame: the layer's first frame less the head handles.
        inFrame = Math.floor(sourceTime(layer, layer.inPoint) / fd + FRAME_EPSILON);
        offset = (inFrame - head) * fd;
        if (offset < -TIME_EPSILON) fail("bad_request", "handles.head is more frames than the layer has before its in point.");
        refined = importRefined(path, request.binName);
        if (sourceTime(layer, layer.outPoint) - offset > refined.duration + TIME_EPSILON) {
            fail("media_too_short", "The refined file ends before the layer does; render it with the layer's range and handles.");
        }
        if (mode === "relink") return relink(comp, layer, refined, offset);
        target = layer;
        if (mode === "stack") {
            target = layer.duplicate();
            removeRecords(target);
            addRecord(target, { mode: mode });
        } else {
            addRecord(target, { mode: mode, itemId: layer.source.id, startTime: layer.startTime });
        }
        // replaceSource keeps in/out only where the new source covers them: they are set again.
        inPoint = target.inPoint;
        outPoint = target.outPoint;
        target.replaceSource(refined, false);
        retime(target, target.startTime + offset * target.stretch / 100, inPoint, outPoint);
        return { id: layerId(comp, target), projectItem: refined.name };
    }

    function relink(comp, layer, refined, offset) {
        var item = layer.source, uses = usesOf(item), i, u;
        if (recordOf(layer)) fail("bad_request", layer.name + " is already refined; revert it first.");
        for (i = 0; i < uses.length; i++) {
            u = uses[i];
            if (sourceTime(u, u.inPoint) - offset < -TIME_EPSILON || sourceTime(u, u.outPoint) - offset > refined.duration + TIME_EPSILON) {
                fail("relink_refused", "Another use of " + item.name + " (layer " + u.index + " of " + u.containingComp.name + ") needs frames the refined file does not have; use replace.");
            }
        }
        addRecord(layer, { mode: "relink", itemId: item.id, path: item.file.fsName, offset: offset });
        replaceFootage(item, refined.file.fsName, offset);
        return { id: layerId(comp, layer), projectItem: item.name };
    }

    function revert(request) {
        var comp = activeComp(), layer = findLayer(comp, requireString(request, "id"));
        var r = recordOf(layer), original, inPoint = layer.inPoint, outPoint = layer.outPoint;
        if (!r) fail("not_refined", layer.name + " was not placed by Refinery.");
        if (r.mode === "stack") {
            layer.remove();
            return { mode: r.mode };
        }
        original = project().itemByID(r.itemId);
        if (!(original instanceof FootageItem)) fail("clip_not_found", "The original footage item is no longer in the project.");
        if (r.mode === "replace") {
            layer.replaceSource(original, false);
            retime(layer, r.startTime, inPoint, outPoint);
        } else {
            if (!new File(r.path).exists) fail("media_offline", "The original media is missing: " + r.path);
            replaceFootage(original, r.path, -r.offset);
        }
        removeRecords(layer);
        return { mode: r.mode };
    }

    refinery_ping = function () {
        return run(ping);
    };
    refinery_getSelection = function () {
        return run(getSelection);
    };
    refinery_placeRefined = function (json) {
        return run(placeRefined, json === undefined ? "" : json, "Refinery: place refined clip");
    };
    refinery_revert = function (json) {
        return run(revert, json === undefined ? "" : json, "Refinery: revert");
    };
}());
