//@include "json.jsx"
// The host-script API's envelope, shared by premiere.jsx and aftereffects.jsx (ES3): a JSON
// request in, {"ok":true,"data":...} or {"ok":false,"error":{code,message}} out, and the
// checks of request fields. One global, because Premiere runs every extension's scripts in
// one ExtendScript engine.

var refinery_request = (function () {
    function Failure(code, message) {
        this.code = code;
        this.message = message;
    }

    function fail(code, message) {
        throw new Failure(code, message);
    }

    // Runs operation(request), inside around(fn) where the host wraps its changes (an undo group).
    function run(operation, json, around) {
        var request, data;
        try {
            if (json !== undefined) {
                try {
                    request = JSON.parse(json);
                } catch (parseError) {
                    fail("bad_request", "The request is not JSON.");
                }
                if (request === null || typeof request !== "object") fail("bad_request", "The request must be an object.");
            }
            data = around ? around(function () { return operation(request); }) : operation(request);
            return JSON.stringify({ ok: true, data: data });
        } catch (e) {
            if (e instanceof Failure) return JSON.stringify({ ok: false, error: { code: e.code, message: e.message } });
            return JSON.stringify({ ok: false, error: { code: "host_error", message: String(e && e.message ? e.message : e) } });
        }
    }

    function requireString(request, field) {
        if (typeof request[field] !== "string" || request[field] === "") fail("bad_request", field + " must be a non-empty string.");
        return request[field];
    }

    function headFrames(handles) {
        var head = handles === undefined ? 0 : handles;
        if (handles !== null && typeof handles === "object") head = handles.head;
        if (typeof head !== "number" || head < 0 || Math.floor(head) !== head) fail("bad_request", "handles must be a whole number of frames, or {head, tail}.");
        return head;
    }

    function samePath(a, b) {
        return a.replace(/\\/g, "/") === b.replace(/\\/g, "/");
    }

    // request.sourcePath, when given, is the media the clip showed when it was sent: a clip
    // that shows other media now (replaced meanwhile, or another project's under the same id)
    // is not placed over.
    function checkSource(request, current) {
        var expected;
        if (request.sourcePath === undefined) return;
        expected = requireString(request, "sourcePath");
        if (!samePath(expected, current)) {
            fail("clip_changed", "The clip now shows " + current + ", not " + expected + " as when it was sent; refine it again.");
        }
    }

    return { fail: fail, run: run, requireString: requireString, headFrames: headFrames, samePath: samePath, checkSource: checkSource };
}());
