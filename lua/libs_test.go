package lua_test

import "testing"

// The libraries Redis ships, against Redis: cjson, cmsgpack, bit, struct.

func TestCjson(t *testing.T) {
	runSteps(t, []step{
		ev("return cjson.encode({1,2,3})"), ev("return cjson.encode({})"), ev("return cjson.encode({a=1})"),
		ev(`return cjson.encode('a/b"c\\d\1\127\200')`), ev("return cjson.encode(1/3)"), ev("return cjson.encode(1e15)"),
		ev("return cjson.encode(123456789012345678)"), ev("return cjson.encode(1/0)"), ev("return cjson.encode(0/0)"),
		ev("return cjson.encode(nil)"), ev("return cjson.encode(cjson.null)"), ev("return cjson.encode(true)"),
		ev("return cjson.encode(function() end)"), ev("return cjson.encode({[1]=1,[3]=3})"),
		ev("return cjson.encode({[1]=1,[20]=3})"), ev("return cjson.encode({[1.5]=1})"), ev("return cjson.encode({[true]=1})"),
		ev("return cjson.encode()"), ev("return cjson.encode(1, 2)"), ev("local t = {} t[1] = t return cjson.encode(t)"),
		ev("return cjson.encode({[0]=1})"), ev("return cjson.encode({[-1]=1})"), ev("return cjson.encode(-0)"),
		ev("return cjson.encode({1,2,nil,4})"), ev("return cjson.encode({'a', {b=1}, false})"),
		ev("return cjson.encode({a={b={c={1,2,{d='e'}}}}})"),
		ev("local t = cjson.decode(cjson.encode({x=1, y='two', z={1,2}})) return {t.x, t.y, t.z[2]}"),
		ev("return cjson.decode('[1,2,3]')[3]"), ev(`return cjson.decode('{"a":[1,{"b":null}]}')['a'][2]['b'] == cjson.null`),
		ev("return cjson.decode('1.5e3')"), ev(`return cjson.decode('"\\u00e9\\ud83d\\ude00"')`),
		ev("return cjson.decode('')"), ev("return cjson.decode('[1,2')"), ev(`return cjson.decode('{"a" 1}')`),
		ev("return cjson.decode('{1:2}')"), ev("return cjson.decode('[1 2]')"), ev("return cjson.decode('tru')"),
		ev("return cjson.decode('01')"), ev("return cjson.decode('-')"), ev("return cjson.decode('0x10')"),
		ev("return cjson.decode('inf')"), ev("return tostring(cjson.decode('nan'))"), ev("return cjson.decode('+1')"),
		ev(`return cjson.decode('"abc')`), ev(`return cjson.decode('"\\q"')`), ev(`return cjson.decode('"\\u12"')`),
		ev("return cjson.decode('[1] x')"), ev("return cjson.decode(string.rep('[', 1001))"),
		ev("return #cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))"),
		ev("return cjson.decode()"), ev("return cjson.decode(1)"), ev("return cjson.decode({})"),
		ev(`return cjson.decode('"a"', 2)`), ev("return cjson.decode(' true ')"),
		ev("return cjson.decode('[1,null,3]')[2] == cjson.null"), ev("return #cjson.decode('[1,null,3]')"),
		ev(`return cjson.decode('{"a":1,"a":2}')['a']`), ev(`return cjson.decode('"\\/\\b\\f\\n\\r\\t"')`),
		ev("return cjson.decode('[]')"), ev("return cjson.encode(cjson.decode('{}'))"), ev("return cjson.encode(cjson.decode('[]'))"),
		ev("return cjson.decode('1e999')"), ev(`return cjson.decode('"\\udc00"')`), ev(`return cjson.decode('"\\ud800"')`),
		ev(`return cjson.decode('"\\u0000"')`), ev("return cjson.decode('[1,]')"), ev(`return cjson.decode('{"a":1,}')`),
		ev("return cjson.decode('nul')"), ev("return cjson.decode('1.')"), ev("return cjson.decode('.5')"),
		ev("return cjson.decode('1e')"), ev("return cjson.decode('Infinity')"), ev("return cjson.decode('-Infinity')"),
		ev(`return cjson.decode('["\1"]')[1]`), ev("return cjson.decode('\\0\\0')"),
		ev("return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_keep_buffer(), cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers()}"),
		ev("return {cjson.encode_sparse_array()}"), ev("return {cjson._NAME, cjson._VERSION}"),
		ev("local c = cjson.new() c.encode_number_precision(5) return {c.encode(1/3), cjson.encode(1/3)}"),
		ev("local c = cjson.new() c.encode_sparse_array(true) return c.encode({[1]=1,[20]=3})"),
		ev("local c = cjson.new() c.encode_invalid_numbers('null') return c.encode({1/0})"),
		ev("local c = cjson.new() c.encode_max_depth(2) return c.encode({{{1}}})"),
		ev("local c = cjson.new() c.decode_max_depth(2) return c.decode('[[[1]]]')"),
		ev("local c = cjson.new() c.decode_invalid_numbers(false) return c.decode('0x10')"),
		ev("return cjson.encode_number_precision(15)"), ev("return cjson.new().encode({1})"),
		ev("return cjson.decode(cjson.encode({x=1})).x"),
	})
}

func TestCmsgpack(t *testing.T) {
	runSteps(t, []step{
		ev("return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)"),
		ev("return cmsgpack.pack(0.5, 0.1, 1e300, 1/0, -1/0, 2^63, -2^63, 2^64)"),
		ev("return cmsgpack.pack(nil, true, false, 'abc', string.rep('x', 40), {}, {1,2}, {a=1}, {1,nil,3})"),
		ev("return cmsgpack.pack(string.rep('x', 300))"), ev("return #cmsgpack.pack(string.rep('x', 70000))"),
		ev("local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t)"),
		ev("local t = {} for i = 1, 20 do t['k'..i] = i end return #cmsgpack.pack(t)"),
		ev("return cmsgpack.pack()"), ev("return cmsgpack.pack(function() end)"),
		ev("local t = {} t[1] = t return cmsgpack.pack(t)"),
		ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}, {x=1}))}"),
		ev("return cmsgpack.unpack(cmsgpack.pack({x=1}))['x']"),
		ev("return cmsgpack.unpack(string.char(0xc1))"), ev("return cmsgpack.unpack(string.char(0xcd, 1))"),
		ev("return cmsgpack.unpack('')"), ev("return cmsgpack.unpack()"),
		ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"), ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}"),
		ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"), ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}"),
		ev("return {cmsgpack.unpack_one(cmsgpack.pack(1), 5)}"), ev("return {cmsgpack.unpack_one(cmsgpack.pack(1), -1)}"),
		ev("return {cmsgpack.unpack(string.char(0xd9, 3) .. 'abc' .. string.char(0xca, 0x3f, 0, 0, 0, 0xcf, 0,0,0,0,0,0,1,0, 0xd3, 0xff,0xff,0xff,0xff,0xff,0xff,0xff,0xfe, 0xd0, 0x80, 0xd1, 0x80, 0, 0xd2, 0x80, 0, 0, 0))}"),
		ev("return {cmsgpack.unpack(string.char(0xdc, 0, 2, 1, 2, 0xde, 0, 1, 0xa1, 0x6b, 7))}"),
		ev("return {cmsgpack.unpack(string.char(0xd4, 1, 2))}"), ev("return {cmsgpack.unpack(string.char(0xc4, 1, 2))}"),
		ev("return {cmsgpack.unpack(string.char(0x92, 1))}"),
		ev("return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}"),
		ev("return cmsgpack.pack({[1.5]=1})"), ev("return cmsgpack.pack({[2]=1})"),
	})
}

func TestBit(t *testing.T) {
	runSteps(t, []step{
		ev("return {bit.tobit(0xffffffff), bit.tobit(2^32+5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit('12'), bit.tobit(2^52+7)}"),
		ev("return {bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}"),
		ev("return {bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(0x12345678, 20), bit.tohex(1, 0)}"),
		ev("return bit.band('x')"), ev("return bit.band()"), ev("return bit.lshift(1, 33)"), ev("return bit.rol(1, 0)"),
		ev("return {bit.band(1), bit.bor(), bit.bxor(-1, 0)}"),
	})
}

func TestStruct(t *testing.T) {
	runSteps(t, []step{
		ev("return struct.pack('>I2', 258)"), ev("return struct.pack('<i4d', -2, 1.5)"),
		ev("return {struct.unpack('<i4d', struct.pack('<i4d', -2, 1.5))}"),
		ev("return struct.pack('bBhHlLi8', -1, 255, -2, 65535, -3, 4, 5)"), ev("return struct.size('bBhHlLi8')"),
		ev("return struct.size('!4bi')"), ev("return struct.pack('!4bi', 1, 2)"), ev("return struct.pack('!bd', 1, 2)"),
		ev("return struct.pack('s', 'abc')"), ev("return {struct.unpack('s', struct.pack('s', 'abc'))}"),
		ev("return struct.pack('c5', 'abc')"), ev("return struct.pack('c2', 'abc')"), ev("return struct.pack('c0', 'abc')"),
		ev("return {struct.unpack('bc0', struct.pack('b', 3) .. 'xyz')}"), ev("return {struct.unpack('c0', 'xyz')}"),
		ev("return struct.pack('q', 1)"), ev("return struct.pack('i3', 1)"), ev("return struct.pack('i33', 1)"),
		ev("return struct.pack('!3i', 1)"), ev("return {struct.unpack('i4', 'ab')}"), ev("return {struct.unpack('s', 'ab')}"),
		ev("return struct.size('s')"), ev("return struct.size('c0')"), ev("return {struct.unpack('>H', 'abcd', 3)}"),
		ev("return {struct.unpack('>H', 'abcd', 0)}"), ev("return {struct.unpack('>H', 'abcd', 9)}"),
		ev("return struct.pack('f', 0.1)"), ev("return {struct.unpack('f', struct.pack('f', 0.1))}"),
		ev("return struct.pack('i', 'x')"), ev("return struct.pack('>i16', -1)"),
		ev("return {struct.unpack('>i16', struct.pack('>i16', -1))}"), ev("return struct.pack('T', 7)"),
		ev("return struct.pack('x x')"), ev("return {struct.unpack('<I3', struct.pack('<I3', 70000))}"),
		ev("return {struct.unpack('>h', struct.pack('>h', -2))}"), ev("return struct.pack('d', 1/0)"),
	})
}
