// JSON for ExtendScript, which is ECMAScript 3 and has JSON only when another panel defined
// it. Guarded, so an existing (native or other) JSON is left alone.
if (typeof JSON !== "object") {
    JSON = {};
}

(function () {
    var escapable = /[\\"\u0000-\u001f\u007f-\uffff]/g;
    var meta = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\"": "\\\"", "\\": "\\\\" };

    function hex4(c) {
        return "\\u" + ("0000" + c.charCodeAt(0).toString(16)).slice(-4);
    }

    // Non-ASCII is escaped too, so the text survives any bridge encoding.
    function quote(s) {
        return "\"" + s.replace(escapable, function (c) {
            var m = meta[c];
            return typeof m === "string" ? m : hex4(c);
        }) + "\"";
    }

    function isArray(v) {
        return Object.prototype.toString.call(v) === "[object Array]";
    }

    function str(v) {
        var parts, i, k, s;
        if (v === null) return "null";
        switch (typeof v) {
            case "string":
                return quote(v);
            case "number":
                return isFinite(v) ? String(v) : "null";
            case "boolean":
                return String(v);
            case "object":
                parts = [];
                if (isArray(v)) {
                    for (i = 0; i < v.length; i++) {
                        s = str(v[i]);
                        parts.push(s === undefined ? "null" : s);
                    }
                    return "[" + parts.join(",") + "]";
                }
                for (k in v) {
                    if (Object.prototype.hasOwnProperty.call(v, k)) {
                        s = str(v[k]);
                        if (s !== undefined) parts.push(quote(k) + ":" + s);
                    }
                }
                return "{" + parts.join(",") + "}";
        }
        return undefined;
    }

    if (typeof JSON.stringify !== "function") {
        JSON.stringify = function (value) {
            return str(value);
        };
    }

    // json2's check: only JSON tokens may remain before the text is handed to eval.
    if (typeof JSON.parse !== "function") {
        JSON.parse = function (text) {
            var unsafe = /[\u0000\u00ad\u0600-\u0604\u070f\u17b4\u17b5\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff]/g;
            text = String(text).replace(unsafe, hex4);
            if (/^[\],:{}\s]*$/.test(text
                    .replace(/\\(?:["\\\/bfnrt]|u[0-9a-fA-F]{4})/g, "@")
                    .replace(/"[^"\\\n\r]*"|true|false|null|-?\d+(?:\.\d*)?(?:[eE][+\-]?\d+)?/g, "]")
                    .replace(/(?:^|:|,)(?:\s*\[)+/g, ""))) {
                return eval("(" + text + ")");
            }
            throw new SyntaxError("JSON.parse: not JSON");
        };
    }
}());
