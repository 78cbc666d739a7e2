import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionError, compileExpression, compileStringExpression, expressionProblem } from '../src/domain/policy-engine/expression/index.ts';
import type { EvaluationContext } from '../src/domain/policy-engine/types.ts';

/**
 * The Okta Expression Language subset of policy conditions, without a database: what parses and
 * evaluates (against a full context, and 'UNDEFINED' when an input is missing), and what is
 * refused, with the reason and the 1-based position.
 */

const full: EvaluationContext = {
  user: {
    id: '00u1',
    login: 'john.doe@example.com',
    groupIds: ['00gEveryone', '00gEng'],
    profile: {
      firstName: 'John',
      email: 'john.doe@okta.com',
      department: 'Engineering',
      country: 'United States',
      isContractor: false,
      age: 41,
      stringDouble: '1.1',
      strArray: ['one', 'two'],
      intArray: [1, 2, 3],
      middleInitial: '',
      nested: { a: 1 },
    },
  },
  risk: { level: 'MEDIUM' },
  behaviors: ['New IP', 'New Device'],
  device: { registered: true, managed: false },
};

const evaluate = (source: string, context: EvaluationContext = full) => compileExpression(source).evaluate(context);

describe('Policy expressions: evaluation', () => {
  const cases: [string, boolean][] = [
    // literals and operators
    ['true', true],
    ['FALSE', false],
    ['1 < 2', true],
    ['2.5 >= 2.5', true],
    ["'abc' < 'abd'", true],
    ["'a' + 'b' == 'ab'", true],
    ["'n' + 1 == 'n1'", true],
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['7 % 4 == 3 && 7 / 2 == 3.5 && -1 < 0', true],
    ['null == null', true],
    ["null != 'x'", true],
    ["'it''s' == \"it's\"", true],
    ['"say ""hi""" == \'say "hi"\'', true],
    ['!false && not false', true],
    ['true AND false OR true', true],
    ['true and (false or true)', true],
    ['1 eq 1 and 1 ne 2 and 1 lt 2 and 2 gt 1 and 1 le 1 and 1 ge 1', true],
    ['true ? false : true', false],
    ['false ? false : true ? true : false', true],
    ['{1, 2} == {1, 2}', true],
    ['{} == {}', true],
    // security context
    ["security.risk.level == 'MEDIUM'", true],
    ["security.risk.level == 'HIGH' || security.risk.level == 'MEDIUM'", true],
    ["security.risk.level != 'LOW'", true],
    ["security.behaviors.contains('New IP') && security.behaviors.contains('New Device')", true],
    ["security.behaviors.contains('New City')", false],
    ["security.userBehaviors['New IP'].detected", true],
    ["security.userBehaviors['Velocity'].detected", false],
    // user
    ["user.id == '00u1'", true],
    ["user.login == 'john.doe@example.com'", true],
    ["login.identifier.substringAfter('@') == 'example.com'", true],
    ["user.profile.department == 'Engineering'", true],
    ["user.profile['department'] == 'Engineering'", true],
    ['user.profile.country == "United States"', true],
    ['user.profile.isContractor', false],
    ['!user.profile.isContractor', true],
    ['user.profile.age >= 18 && user.profile.age < 65', true],
    ['user.profile.missing == null', true],
    ["user.profile.missing != 'x'", true],
    ['user.profile.missing < 1', true],
    ['user.profile.intArray.contains(3)', true],
    ['user.profile.intArray.contains(0)', false],
    ["{1, 2, 3}.contains('one')", false],
    ['user.profile.strArray.size() == 2', true],
    ['{}.isEmpty()', true],
    ["user.profile.strArray.add('zero') == {'one', 'two', 'zero'}", true],
    ['user.profile.intArray.remove(1) == {2, 3}', true],
    ['{{1}, {2, 3}}.flatten() == {1, 2, 3}', true],
    ['{10, 20, 30}[1] == 20', true],
    // groups
    ["user.isMemberOf({'group.id': '00gEng'})", true],
    ["user.isMemberOf({'group.id': {'00gOther', '00gEng'}})", true],
    ["user.isMemberOf({'group.id': {'00gOther'}})", false],
    ["user.isMemberOf({'group.id': {'00gEng', '00gX'}}, {'group.id': '00gX'})", false],
    ["isMemberOfGroup('00gEng')", true],
    ["isMemberOfAnyGroup('00gA', '00gB', '00gEveryone')", true],
    ["isMemberOfAnyGroup('00gA', '00gB')", false],
    // device
    ['device.profile.registered == true && device.profile.managed == false', true],
    // Identity Engine string methods
    ["'test'.toUpperCase() == 'TEST'", true],
    ["user.profile.firstName.toLowerCase() == 'john'", true],
    ["'test'.substring(1) == 'est'", true],
    ["user.profile.firstName.substring(1, 3) == 'oh'", true],
    ["'hello'.replace('l', 'p') == 'heppo'", true],
    ["'hello'.replaceFirst('l', 'p') == 'heplo'", true],
    ["'test'.length() == 4", true],
    ["'This is a test'.removeSpaces() == 'Thisisatest'", true],
    ["'This is a test'.contains('test')", true],
    ["'This is a test'.contains('Test')", false],
    ["user.profile.email.substringBefore('@') == 'john.doe'", true],
    ["user.profile.email.substringAfter('@') == 'okta.com'", true],
    ["user.profile.email.substringAfter('.') == 'doe@okta.com'", true],
    ["user.profile.email.substringAfter('#') == ''", true],
    ["user.profile.email.substringBefore('#') == user.profile.email", true],
    ["user.profile.email.startsWith('john') && user.profile.email.endsWith('.com')", true],
    ['user.profile.stringDouble.toInteger() == 1', true],
    ["'1.7'.toNumber() == 1.7", true],
    ['1.1.toInteger() == 1', true],
    ['1.6.toInteger() == 2', true],
    ["user.profile.middleInitial.length() == 0 ? true : false", true],
    // classic static functions
    ["String.substringAfter(user.profile.email, '@') == 'okta.com'", true],
    ["String.substringBefore('abc@okta.com', '@') == 'abc'", true],
    ["String.stringContains(user.profile.department, 'Eng')", true],
    ["String.stringContains(user.profile.missing, 'Eng')", false],
    ["String.toUpperCase('This') == 'THIS' && String.toLowerCase('ThiS') == 'this'", true],
    ["String.len('This') == 4 && String.len(user.profile.missing) == 0", true],
    ["String.append('This is', ' a test') == 'This is a test'", true],
    ["String.join(',', 'This', 'is', 'a', 'test') == 'This,is,a,test'", true],
    ["String.replace('This is a test', 'is', 'at') == 'That at a test'", true],
    ["String.replaceFirst('This is a test', 'is', 'at') == 'That is a test'", true],
    ["String.substring('This is a test', 2, 9) == 'is is a'", true],
    ["String.stringSwitch('First match wins', 'default', 'absent', 'value1', 'wins', 'value2', 'match', 'value3') == 'value2'", true],
    ["String.stringSwitch('This is a test', 'default', 'key1', 'value1') == 'default'", true],
    ["String.startsWith(user.login, 'john')", true],
    ["toLowerCase(user.profile.firstName) == 'john'", true],
    ['Arrays.contains({10, 20, 30}, 10) && !Arrays.contains({10, 20, 30}, 50)', true],
    ['Arrays.size({10, 20, 30}) == 3 && Arrays.size(null) == 0 && Arrays.isEmpty(null)', true],
    ['Arrays.add({10, 20, 30}, 40) == {10, 20, 30, 40} && Arrays.remove({10, 20, 30}, 20) == {10, 30}', true],
    ['Arrays.flatten(10, {20, 30}, 40) == {10, 20, 30, 40} && Arrays.clear({1}) == {}', true],
    ["Arrays.get({0, 1, 2}, 0) == 0 && Arrays.toCsvString({'This', 'is', ' a ', 'test'}) == 'This,is, a ,test'", true],
    ["Convert.toInt('1234') == 1234 && Convert.toInt(123.6) == 124 && Convert.toNum('3.141') == 3.141", true],
    // whitespace and layout
    ["  security.risk.level\n==\t'MEDIUM'  ", true],
  ];
  for (const [source, expected] of cases) {
    it(`${source} → ${expected}`, () => assert.equal(evaluate(source), expected));
  }

  it("Okta's ternary example: a string built with ?: compared to a constant", () => {
    const source = "user.profile.firstName + ' ' + (user.profile.middleInitial.length() == 0 ? '' : (user.profile.middleInitial.substring(0, 1) + '. ')) + 'Doe' == 'John Doe'";
    assert.equal(evaluate(source), true);
  });
});

describe('Policy expressions: missing inputs and run-time failures', () => {
  const undefinedCases: [string, EvaluationContext][] = [
    ["security.risk.level == 'HIGH'", {}],
    ["security.behaviors.contains('New IP')", {}],
    ["security.userBehaviors['New IP'].detected", {}],
    ["user.profile.department == 'x'", {}],
    ["user.profile.department == 'x'", { user: { id: '00u1' } }],
    ["user.isMemberOf({'group.id': '00gEng'})", { user: { id: '00u1' } }],
    ["isMemberOfGroup('00gEng')", {}],
    ["user.id == '00u1'", {}],
    ["login.identifier == 'x'", { user: { id: '00u1' } }],
    ['device.profile.managed', { device: { registered: true } }],
    ["!(security.risk.level == 'HIGH')", {}],
    ["security.risk.level == 'HIGH' ? true : false", {}],
    ["security.risk.level == 'HIGH' && user.id == '00u1'", { user: { id: '00u1' } }],
    ["security.risk.level == 'HIGH' || user.id == '00u2'", { user: { id: '00u1' } }],
  ];
  for (const [source, context] of undefinedCases) {
    it(`${source} with ${JSON.stringify(context)} → UNDEFINED`, () => assert.equal(evaluate(source, context), 'UNDEFINED'));
  }

  it('&& and || follow Kleene logic: a deciding side wins over a missing input', () => {
    assert.equal(evaluate("security.risk.level == 'HIGH' && user.id == '00u2'", { user: { id: '00u1' } }), false);
    assert.equal(evaluate("user.id == '00u2' && security.risk.level == 'HIGH'", { user: { id: '00u1' } }), false);
    assert.equal(evaluate("security.risk.level == 'HIGH' || user.id == '00u1'", { user: { id: '00u1' } }), true);
    assert.equal(evaluate("user.id == '00u1' || security.risk.level == 'HIGH'", { user: { id: '00u1' } }), true);
  });

  const failing = [
    'user.profile.missing.toUpperCase() == null',
    "user.profile.email.toInteger() == 1",
    "'123This is a test'.toNumber() > 1",
    "'abc'.substring(2, 9) == 'c'",
    "user.profile.age > 'x'",
    'user.profile.department',
    'user.profile.missing',
    "user.profile.nested == 'x'",
    '{1}[3] == 1',
    'user.profile.age / 0 == 1',
    '!user.profile.department',
  ];
  for (const source of failing) {
    it(`${source} fails at run time and does not match`, () => assert.equal(evaluate(source), false));
  }

  it('a failure short-circuited away does not count', () => {
    assert.equal(evaluate('user.profile.missing != null && user.profile.missing.toUpperCase() == "X"'), false);
    assert.equal(evaluate('user.profile.missing == null || user.profile.missing.toUpperCase() == "X"'), true);
  });

  it('does not read inherited properties of the profile', () => {
    assert.equal(evaluate('user.profile.constructor == null'), true);
    assert.equal(evaluate('user.profile.__proto__ == null'), true);
  });

  it('a compiled expression is reusable across contexts', () => {
    const compiled = compileExpression("user.profile.department == 'Engineering'");
    assert.equal(compiled.evaluate(full), true);
    assert.equal(compiled.evaluate({ user: { profile: { department: 'Sales' } } }), false);
    assert.equal(compiled.evaluate({}), 'UNDEFINED');
  });
});

describe('Policy expressions: refused at save time', () => {
  const refused: [string, RegExp, number][] = [
    // syntax
    ['', /empty/, 1],
    ["security.risk.level == 'HIGH", /unterminated string/, 24],
    ["security.risk.level ==", /expected an operand but found the end/, 23],
    ["(security.risk.level == 'HIGH'", /expected '\)'/, 31],
    ["security.risk.level == 'HIGH')", /expected an operator or the end of the expression but found '\)'/, 30],
    ["security.risk.level = 'HIGH'", /assignment \(=\) is not supported; use ==/, 21],
    ['1 == 1 == 1', /comparisons cannot be chained/, 8],
    ['true ? 1', /expected ':'/, 9],
    ["user.profile.x matches 'a.*'", /matches operator is not supported/, 16],
    ['user.profile.x?.length() == 1', /safe navigation/, 15],
    ['user.profile.x ?: true', /Elvis/, 16],
    ['{1,2}.![#this] == {}', /projection/, 6],
    ["T(java.lang.Math).random() > 0", /type references/, 1],
    ["new String('x') == 'x'", /constructor/, 1],
    ['#root', /variable references/, 1],
    ['@bean.x', /bean references/, 1],
    ['2 ^ 3 == 8', /power/, 3],
    ['a & b', /bean references.*&&/, 3],
    ['1 | 2', /use \|\| for 'or'/, 3],
    ['x++', /increment/, 2],
    ['12abc == 1', /malformed number/, 1],
    ['user.profile.x == 1 ~ 2', /unexpected character '~'/, 21],
    ['and == 1', /expected an operand but found 'and'/, 1],
    ['user.', /expected a property or function name/, 6],
    ['String.len(1,', /expected an operand/, 14],
    ['{1 2}', /expected ',' or '}'/, 4],
    ["{'a': 1 2}", /expected ',' or '}' in the map/, 9],
    [`${'('.repeat(70)}true${')'.repeat(70)}`, /nests deeper than 64/, 65],
    // not a boolean
    ["'HIGH'", /must evaluate to a boolean, not a string/, 1],
    ['1 + 2', /must evaluate to a boolean, not a number/, 1],
    ['null', /must evaluate to a boolean, not null/, 1],
    ['security.behaviors', /must evaluate to a boolean, not an array/, 1],
    ["user.profile.email.substringAfter('@')", /must evaluate to a boolean, not a string/, 1],
    ["'a' && true", /&& needs boolean operands, not a string/, 1],
    ['true || 1', /\|\| needs boolean operands, not a number/, 9],
    ["!'a'", /! needs a boolean/, 2],
    ["-'a' == 1", /unary - needs a number/, 2],
    ["1 - 'a' == 1", /- needs numbers, not a string/, 5],
    ['true + 1 == 2', /\+ cannot add a boolean and a number/, 6],
    ["1 < 'a'", /cannot compare a number with a string/, 3],
    ['{1} < {2}', /cannot compare an array/, 5],
    ["'a' ? true : false", /condition of \?: must be a boolean/, 1],
    // names outside the context
    ['user', /'user' is not a value/, 1],
    ['user.profile == null', /user.profile is not a value/, 6],
    ["user.status == 'ACTIVE'", /user.status is not available to policy conditions/, 6],
    ["user.created == 'x'", /user.created is not available/, 6],
    ["user.department == 'x'", /unknown user property 'user.department'; profile attributes are read as user.profile.department/, 6],
    ["user.profile.address.city == 'x'", /user.profile.address has no property 'city'/, 22],
    ["user.id.x == 'x'", /user.id has no property 'x'/, 9],
    ['security.ip.isSuspicious', /ThreatInsight/, 13],
    ["security.risk.score == 'x'", /security.risk.score is not available/, 15],
    ["device.profile.displayName == 'x'", /device.profile.displayName is not available/, 16],
    ["device.provider.wsc.fireWall == 'ON'", /device.provider.wsc.fireWall is not available/, 21],
    ["login.name == 'x'", /login.name is not available/, 7],
    ["accessRequest.operation == 'enroll'", /accessRequest/, 15],
    ["appuser.entitlements.role == 'x'", /appuser/, 22],
    ["foo == 'x'", /unknown name 'foo'/, 1],
    ["foo.bar == 'x'", /unknown name 'foo'/, 5],
    ["String == 'x'", /String is not a value/, 1],
    ["String.len == 4", /String.len is a function; call it/, 8],
    ["'abc'.length == 3", /'.length' reads a property/, 7],
    ["{'a': 1} == null", /a map .* is only allowed as an argument of user.isMemberOf/, 1],
    ['true[0]', /only arrays can be indexed/, 5],
    ["{1}['a'] == 1", /array index must be a number/, 5],
    // functions
    ["String.foo('x')", /unknown function 'String.foo'/, 8],
    ["foo('x')", /unknown function 'foo'/, 1],
    ["'x'.foo()", /unknown function 'foo'/, 5],
    ["user.foo()", /unknown function 'user.foo'/, 6],
    ["user.getGroups({'group.type': {'OKTA_GROUP'}}).size() > 0", /group names and types are not available/, 6],
    ["user.getLinkedObject('manager').lastName == 'Gates'", /linked objects/, 6],
    ["isMemberOfGroupName('Admins')", /group names and types are not available/, 1],
    ["isMemberOfGroupNameStartsWith('Adm')", /group names/, 1],
    ["getFilteredGroups({'00g1'}, 'group.name', 40).size() > 0", /group names/, 1],
    ["Groups.startsWith('OKTA', 'A', 10).size() > 0", /group names/, 8],
    ["Time.now() == 'x'", /time functions/, 6],
    ["DateTime.now().withinDays(1)", /time functions/, 10],
    ["Iso3166Convert.toAlpha2('IND') == 'IN'", /country code/, 16],
    ["user.profile.country.parseCountryCode().toAlpha2() == 'US'", /country code/, 22],
    ["device.provider.oktaVerify.version.versionGreaterThan('9.43')", /device.provider.oktaVerify.version is not available/, 28],
    ["'9.44'.versionGreaterThan('9.43')", /version comparisons/, 8],
    ["user.isMemberOf({'group.profile.name': 'West Coast', 'operator': 'EXACT'})", /'group.profile.name': group names and types are not available/, 18],
    ["user.isMemberOf({'group.type': 'APP_GROUP'})", /'group.type'/, 18],
    ["user.isMemberOf({'group.name': 'x'})", /unknown user.isMemberOf criterion 'group.name'/, 18],
    ["user.isMemberOf('00g1')", /takes criteria maps/, 17],
    ['user.isMemberOf()', /needs at least one criterion/, 6],
    ["user.isMemberOf({'group.id': user.profile.groupId})", /takes a group id or a list of group ids/, 30],
    ["isMemberOfGroup('a', 'b')", /isMemberOfGroup takes 1 argument/, 1],
    ['isMemberOfAnyGroup(1)', /group ids as strings, not a number/, 20],
    ["String.substringAfter('a@b')", /String.substringAfter takes 2 arguments, not 1/, 8],
    ["'a'.substring() == 'a'", /substring takes 1 to 2 arguments, not 0/, 5],
    ["'a'.toUpperCase('x') == 'A'", /toUpperCase takes 0 arguments, not 1/, 5],
    ["String.join() == ''", /takes at least 1 argument, not 0/, 8],
    ["user.profile.email.substringAfter(1) == 'x'", /substringAfter cannot take as argument 1 a number; it needs a string/, 35],
    ["String.len(1) == 1", /String.len cannot take as argument 1 a number/, 12],
    ["{1}.toUpperCase() == 'x'", /toUpperCase cannot be called on an array/, 1],
    ['1.size() == 1', /size cannot be called on a number/, 1],
    ['null.length() == 0', /length cannot be called on null/, 1],
    ["user.profile.x.contains(1, 2)", /contains takes 1 argument, not 2/, 16],
  ];
  for (const [source, reason, position] of refused) {
    it(`${JSON.stringify(source)}: ${reason.source} at position ${position}`, () => {
      let refusal: ExpressionError | undefined;
      try {
        compileExpression(source);
      } catch (error) {
        assert.ok(error instanceof ExpressionError, String(error));
        refusal = error;
      }
      assert.ok(refusal, 'the expression is refused');
      assert.match(refusal.reason, reason);
      assert.equal(refusal.position, position, refusal.message);
      assert.equal(refusal.message, `${refusal.reason} at position ${position}`);
      assert.equal(expressionProblem(source), refusal.message, 'the save-time check reports the same refusal');
    });
  }

  it('accepts what it can evaluate', () => {
    assert.equal(expressionProblem("security.risk.level == 'HIGH'"), undefined);
    assert.equal(expressionProblem("user.isMemberOf({'group.id': {'00g1', '00g2'}}) && user.profile.department == 'Sales'"), undefined);
  });
});

describe('Policy expressions: string results (IdP dynamic routing)', () => {
  it("evaluates login.identifier.substringAfter('@')", () => {
    const compiled = compileStringExpression("login.identifier.substringAfter('@')");
    assert.equal(compiled.evaluate(full), 'example.com');
    assert.equal(compiled.evaluate({}), 'UNDEFINED');
    assert.equal(compileStringExpression('user.profile.missing.toUpperCase()').evaluate(full), null);
  });

  it('refuses non-string results and accepts string ones', () => {
    assert.match(expressionProblem('1 == 1', 'string') ?? '', /must evaluate to a string, not a boolean at position 1/);
    assert.equal(expressionProblem("String.toLowerCase(login.identifier)", 'string'), undefined);
    assert.equal(expressionProblem('user.profile.idp', 'string'), undefined);
  });
});
