package it.nomain;

public final class Lib {
  private Lib() {}
}
