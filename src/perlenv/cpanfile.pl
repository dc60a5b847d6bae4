# Reads the cpanfile named in ARGV[0] (the cpanfile DSL of Module::CPANfile)
# in a Safe compartment, so the file cannot run commands, and prints
# "Module<TAB>range<TAB>local" for the configure, build, runtime and test
# `requires` outside features (what cpanm --installdeps installs); `local` is
# the directory a `local => DIR` option names, or empty. Errors: "LINE<TAB>why".
use strict; use warnings; use Safe; use CPAN::Meta::Requirements;
my $file = $ARGV[0];
open my $fh, '<', $file or do { print STDERR "0\t$!\n"; exit 2 };
my $code = do { local $/; <$fh> };
my $want = CPAN::Meta::Requirements->new;
my @got;
my %installed = map { $_ => 1 } qw(configure build runtime test);
our ($phase, $in_feature) = ("runtime", 0);
my %local;
my $req = sub {
    my ($rel, $ph) = (shift, shift);
    my ($module, $range, %options) = @_;
    $range //= 0;
    die "a module name is required\n" unless defined $module && length $module;
    $ph //= $phase;
    return unless $rel eq 'requires' && $installed{$ph} && !$in_feature;
    push @got, [$module, "$range"];
    # `local => DIR`: perlenv freeze's note of a dist installed from a directory.
    $local{$module} = $options{local} if defined $options{local};
};
my %dsl = (
    requires => sub { $req->('requires', undef, @_) },
    recommends => sub { $req->('recommends', undef, @_) },
    suggests => sub { $req->('suggests', undef, @_) },
    conflicts => sub { $req->('conflicts', undef, @_) },
    configure_requires => sub { $req->('requires', 'configure', @_) },
    build_requires => sub { $req->('requires', 'build', @_) },
    test_requires => sub { $req->('requires', 'test', @_) },
    author_requires => sub { $req->('requires', 'develop', @_) },
    on => sub {
        my ($p, $body) = @_;
        die "on: expected a phase and a sub\n" unless ref $body eq 'CODE';
        local $phase = $p; $body->();
    },
    feature => sub {
        my $body = pop;
        die "feature: expected a name and a sub\n" unless ref $body eq 'CODE';
        local $in_feature = 1; $body->();
    },
    osname => sub { my $body = pop; $body->() if ref $body eq 'CODE' },
    mirror => sub {},
);
local $SIG{__WARN__} = sub {};
my $cpt = Safe->new;
no strict 'refs';
*{$cpt->root . "::$_"} = $dsl{$_} for keys %dsl;
# Safe puts code after its own prelude on the first line: start a new one.
$cpt->reval("\n#line 1 \"cpanfile\"\n$code\n;1") or do {
    my $e = $@ || "not a cpanfile\n";
    my $line = $e =~ / at cpanfile line (\d+)/ ? $1 : 0;
    $e =~ s/ at (cpanfile|\S+) line \d+.*//s;
    $e =~ s/\n.*//s;
    print STDERR "$line\t$e\n"; exit 2;
};
$want->add_string_requirement(@$_) for @got;
my $h = $want->as_string_hash;
print "$_\t$h->{$_}\t", ($local{$_} // ''), "\n" for sort keys %$h;
